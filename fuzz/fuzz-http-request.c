/* SPDX-License-Identifier: Apache-2.0 */

/*
 * HTTP request parsing (lib/http): bytes go into a connection without a socket, in pieces whose size
 * comes from the first input byte, so every parser state boundary gets crossed. The handler answers,
 * streams, or keeps the request (aborted when the connection is freed), and reads every accessor.
 * Checks beyond "no crash": whatever the server writes after a piece of input starts a response
 * ("HTTP/1.1 "), and a closed connection accepts no more input.
 */

#include <errno.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "fuzz.h"
#include "http-server-internal.h"
#include "http-server.h"
#include "log.h"

static unsigned n_aborts;

static void on_abort(HttpRequest *r, void *userdata) {
        n_aborts++;
}

static int handler(HttpRequest *r, void *userdata) {
        const char *path = http_request_path(r), *body;
        char **all;
        size_t len;

        FUZZ_ASSERT(path && http_request_raw_path(r) && http_request_method(r));
        body = http_request_body(r, &len);
        FUZZ_ASSERT(body && strlen(body) <= len);
        (void) http_request_query(r, "watch");
        all = http_request_query_all(r, "a");
        for (char **v = all; v && *v; v++)
                FUZZ_ASSERT(strlen(*v) < 16u * 1024u);
        (void) http_request_header(r, "Content-Type");

        if (startswith(path, "/fail"))
                return -EIO;
        if (startswith(path, "/keep")) {
                http_request_set_abort_handler(r, on_abort, NULL);
                return 0;
        }
        if (startswith(path, "/stream")) {
                FUZZ_ASSERT(http_stream_begin(r, 200, "application/json", NULL) == 0);
                FUZZ_ASSERT(http_stream_write(r, body, len) == 0);
                FUZZ_ASSERT(http_stream_end(r) == 0);
                return 0;
        }
        (void) http_request_add_response_header(r, "X-Fuzz: 1");
        FUZZ_ASSERT(http_reply(r, 200, "text/plain", NULL, body, len) == 0);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static sd_event *event = NULL;
        static HttpServer *server = NULL;
        HttpConnection *c = NULL;
        size_t step;
        bool closed = false;

        if (size > FUZZ_MAX_INPUT || size == 0)
                return 0;
        if (!server) {
                log_set_max_level(LOG_CRIT);
                if (sd_event_new(&event) < 0 || http_server_new(event, handler, NULL, &server) < 0)
                        abort();
        }
        if (http_connection_new_detached(server, &c) < 0)
                return 0;

        step = data[0] == 0 ? size : 1u + data[0] % 97u;
        data++, size--;
        while (size > 0) {
                size_t n = MIN(step, size), out_len;
                const char *out;
                int r;

                r = http_connection_feed(c, data, n);
                if (closed)
                        FUZZ_ASSERT(r == -ECONNRESET);
                if (r == -ECONNRESET)
                        closed = true;
                else
                        FUZZ_ASSERT(r == 0);

                out = http_connection_output(c, &out_len);
                FUZZ_ASSERT(out_len == 0 || (out_len > 9 && memcmp(out, "HTTP/1.1 ", 9) == 0));
                http_connection_output_clear(c);
                data += n;
                size -= n;
        }
        http_connection_free(c); /* aborts a kept request */
        return 0;
}
