/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A small HTTP/1.1 server on sd-event, with http-parser doing the parsing. One request at a time per
 * connection (keep-alive, pipelined requests are queued), every size bounded by kshim-limits.h.
 * Responses are either complete (http_reply*) or streamed with chunked transfer encoding
 * (http_stream_*), used by watches and log follows. Upgrades (WebSocket/SPDY) come later through
 * http_request_take_upgrade().
 *
 * Lifetime: the server owns each HttpRequest. A handler may answer at once or keep the request
 * (return 0 without replying) and answer later from any loop callback, e.g. when a durable store write
 * completes. If the client goes away first, the on_abort callback set with
 * http_request_set_abort_handler() runs, and after it returns the request must not be touched.
 *
 * Precisely (the server never frees a request behind its owner's back, except through on_abort):
 *  - http_reply(), http_reply_json(), http_stream_begin() consume a PENDING request whatever they return
 *    (an invalid code or header line is answered with 500 and gives -EINVAL), except -EBUSY (the request
 *    is not pending, e.g. streaming already). http_stream_end() consumes a streaming request. After a
 *    consuming call, drop the pointer (for stream_begin: keep it until http_stream_end()).
 *  - http_stream_write() never consumes. -ECONNRESET: the client is gone; -ENOBUFS: it does not keep up
 *    and the connection is being dropped. Then call http_stream_end() (frees the request, no abort
 *    callback follows) or just drop the stream when on_abort runs (it will, from the event loop).
 *  - When the client disconnects while a request is kept or streaming, on_abort runs from the event
 *    loop; calls on the request from inside on_abort return -ECONNRESET and do nothing; after on_abort
 *    returns the request is freed, so the owner must forget it inside on_abort.
 *  - Without an abort handler, a kept request whose client left stays allocated until its owner answers
 *    it; that late call frees it and returns -ECONNRESET. Streams should always set an abort handler.
 *  - A client that half-closes (shutdown(SHUT_WR)) while its request is kept counts as disconnected.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

typedef struct sd_event sd_event;
typedef struct HttpServer HttpServer;
typedef struct HttpRequest HttpRequest;

/* Called once per complete request (headers and body read). Return 0 if the request was answered or
 * kept for later, < 0 to have the server answer 500 and close the connection. */
typedef int (*http_handler_t)(HttpRequest *r, void *userdata);
typedef void (*http_abort_t)(HttpRequest *r, void *userdata);

int http_server_new(sd_event *e, http_handler_t handler, void *userdata, HttpServer **ret);
/* address "127.0.0.1:8080" or "[::1]:8080"; port 0 picks one (see http_server_port). */
int http_server_listen(HttpServer *s, const char *address);
/* Also accept an already-listening socket (socket activation). On success the server owns fd (made
 * non-blocking, closed by http_server_free()); on failure the caller keeps it. */
int http_server_add_fd(HttpServer *s, int fd);
uint16_t http_server_port(HttpServer *s);
HttpServer *http_server_free(HttpServer *s);
static inline void http_server_freep(HttpServer **s) {
        if (*s)
                http_server_free(*s);
}
unsigned http_server_n_connections(HttpServer *s);
/* Lower the limits of kshim-limits.h for this server (tests); values above the limit are clamped. */
void http_server_set_max_connections(HttpServer *s, unsigned n);
void http_server_set_idle_timeout(HttpServer *s, uint64_t usec);

/* ---- request accessors (all strings NUL-terminated, owned by the request) ---- */
const char *http_request_method(HttpRequest *r);       /* "GET", "POST", ... */
const char *http_request_path(HttpRequest *r);         /* percent-decoded path, no query */
const char *http_request_raw_path(HttpRequest *r);     /* as sent, without query */
/* First value of a query parameter, percent-decoded ('+' is a space), or NULL. */
const char *http_request_query(HttpRequest *r, const char *name);
/* All values of a repeated query parameter (e.g. exec's command=), NULL-terminated array owned by r. */
char **http_request_query_all(HttpRequest *r, const char *name);
/* Case-insensitive header lookup; repeated headers are joined with ", ". */
const char *http_request_header(HttpRequest *r, const char *name);
const char *http_request_body(HttpRequest *r, size_t *ret_len); /* NUL-terminated, may be empty */
void *http_request_get_userdata(HttpRequest *r);
void http_request_set_userdata(HttpRequest *r, void *userdata);
void http_request_set_abort_handler(HttpRequest *r, http_abort_t on_abort, void *userdata);
uint64_t http_request_start_usec(HttpRequest *r); /* CLOCK_MONOTONIC when the request was complete */

/* ---- complete responses ---- */
/* Extra headers as "Name: value" strings, NULL-terminated list, may be NULL. Adds Content-Length,
 * Date, and keeps the connection alive unless the client asked otherwise. code is 200..999 (1xx is
 * refused); a HEAD request gets the head only. */
int http_reply(HttpRequest *r, int code, const char *content_type, const char *const *headers,
               const void *body, size_t len);
/* Serializes o (JSON_C_TO_STRING_PLAIN) with Content-Type application/json. Does not take ownership. */
int http_reply_json(HttpRequest *r, int code, json_object *o, const char *const *headers);
/* Adds a header to be sent with the (future) response, e.g. "Warning: 299 - \"...\"". */
int http_request_add_response_header(HttpRequest *r, const char *header_line);

/* ---- streamed responses (chunked) ---- */
int http_stream_begin(HttpRequest *r, int code, const char *content_type, const char *const *headers);
/* Queues one chunk and flushes as soon as the socket allows. Returns -ENOBUFS when the connection's
 * unsent output exceeds KSHIM_HTTP_MAX_OUTPUT_BUFFER (the caller should end the stream). */
int http_stream_write(HttpRequest *r, const void *data, size_t len);
size_t http_stream_pending_bytes(HttpRequest *r);
/* Ends the chunked body; the request is finished (and freed by the server) after this call.
 * To an HTTP/1.0 client the stream is sent without chunked framing and ends by closing the connection. */
int http_stream_end(HttpRequest *r);
