/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Tests for the HTTP server: each test starts a server on 127.0.0.1 port 0 inside an sd-event loop in
 * the main thread, and a client thread talks to it over real sockets with blocking I/O (with receive
 * timeouts, so a broken server fails a test instead of hanging it). The client records what it saw;
 * the assertions run in the main thread after the loop has finished.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <systemd/sd-event.h>

#include "http-server-internal.h"
#include "http-server.h"
#include "kshim-limits.h"
#include "log.h"
#include "macro.h"

/* ---- server side ---- */

typedef struct Ctx Ctx;
typedef void (*client_fn_t)(Ctx *t);

struct Ctx {
        sd_event *event;
        HttpServer *server;
        uint16_t port;
        bool ipv6;
        int done_pipe[2];
        sd_event_source *done_source, *grace, *deadline;
        bool timed_out;

        client_fn_t client;
        pthread_t thread;

        /* server-side observations */
        unsigned n_requests;
        unsigned n_aborts;
        unsigned max_connections_seen;
        HttpRequest *kept;           /* request kept by /hang, /stream-forever, /defer */
        HttpRequest *orphan;         /* request kept by /orphan (no abort handler) */
        int late_reply_result;
        int enobufs_result;
        unsigned stream_step;
        sd_event_source *timer;

        /* client-side observations */
        char log[64 * 1024]; /* responses as seen by the client, separated by "\n--\n" */
        size_t log_len;
        int client_errors;
        uint64_t elapsed_usec;
};

static uint64_t mono_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int on_deferred_reply(sd_event_source *s, uint64_t usec, void *userdata) {
        Ctx *t = userdata;

        if (t->kept) {
                assert_int_equal(http_reply(t->kept, 200, "text/plain", NULL, "deferred", 8), 0);
                t->kept = NULL;
        }
        return 0;
}

static int on_late_orphan_reply(sd_event_source *s, uint64_t usec, void *userdata) {
        Ctx *t = userdata;

        if (t->orphan) {
                t->late_reply_result = http_reply(t->orphan, 200, "text/plain", NULL, "late", 4);
                t->orphan = NULL;
        }
        return 0;
}

static int on_stream_step(sd_event_source *s, uint64_t usec, void *userdata) {
        Ctx *t = userdata;
        char chunk[32];

        if (!t->kept)
                return 0;
        if (t->stream_step < 3) {
                snprintf(chunk, sizeof(chunk), "chunk%u\n", t->stream_step++);
                assert_int_equal(http_stream_write(t->kept, chunk, strlen(chunk)), 0);
                (void) sd_event_source_set_time(s, usec + 20 * 1000);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        assert_int_equal(http_stream_end(t->kept), 0);
        t->kept = NULL;
        return 0;
}

static void on_abort(HttpRequest *r, void *userdata) {
        Ctx *t = userdata;

        assert_ptr_equal(r, t->kept);
        /* calls from inside the abort handler are refused */
        assert_int_equal(http_reply(r, 200, "text/plain", NULL, "x", 1), -ECONNRESET);
        t->kept = NULL;
        t->n_aborts++;
        if (t->timer)
                (void) sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
}

static void add_timer(Ctx *t, uint64_t usec, sd_event_time_handler_t cb) {
        t->timer = sd_event_source_disable_unref(t->timer);
        assert_int_equal(sd_event_add_time_relative(t->event, &t->timer, CLOCK_MONOTONIC, usec, 0, cb, t), 0);
}

static int handler(HttpRequest *r, void *userdata) {
        Ctx *t = userdata;
        const char *path = http_request_path(r);
        char body[8192];
        size_t blen;
        const char *b;

        t->n_requests++;
        t->max_connections_seen = MAX(t->max_connections_seen, http_server_n_connections(t->server));
        assert_true(http_request_start_usec(r) > 0);

        if (streq(path, "/fail"))
                return -EIO;

        if (streq(path, "/defer")) {
                t->kept = r;
                http_request_set_abort_handler(r, on_abort, t);
                add_timer(t, 100 * 1000, on_deferred_reply);
                return 0;
        }
        if (streq(path, "/hang")) {
                t->kept = r;
                http_request_set_abort_handler(r, on_abort, t);
                return 0;
        }
        if (streq(path, "/orphan")) {
                t->orphan = r;
                add_timer(t, 300 * 1000, on_late_orphan_reply);
                return 0;
        }
        if (streq(path, "/stream")) {
                assert_int_equal(http_stream_begin(r, 200, "application/json", NULL), 0);
                /* a complete answer is refused once streaming */
                assert_int_equal(http_reply(r, 200, NULL, NULL, "", 0), -EBUSY);
                t->kept = r;
                t->stream_step = 0;
                http_request_set_abort_handler(r, on_abort, t);
                add_timer(t, 20 * 1000, on_stream_step);
                return 0;
        }
        if (streq(path, "/stream-forever")) {
                assert_int_equal(http_stream_begin(r, 200, "application/json", NULL), 0);
                assert_int_equal(http_stream_write(r, "{\"type\":\"ADDED\"}\n", 17), 0);
                t->kept = r;
                http_request_set_abort_handler(r, on_abort, t);
                return 0;
        }
        if (streq(path, "/flood")) {
                static char mb[1024 * 1024];
                int k = 0;

                memset(mb, 'x', sizeof(mb));
                assert_int_equal(http_stream_begin(r, 200, "text/plain", NULL), 0);
                t->kept = r;
                http_request_set_abort_handler(r, on_abort, t);
                for (unsigned i = 0; i < 64 && k >= 0; i++)
                        k = http_stream_write(r, mb, sizeof(mb));
                t->enobufs_result = k;
                if (k == -ENOBUFS && streq(strempty(http_request_query(r, "end")), "yes")) {
                        assert_true(http_stream_pending_bytes(r) > 0);
                        assert_int_equal(http_stream_end(r), 0);
                        t->kept = NULL;
                }
                return 0;
        }

        if (streq(path, "/badstream")) {
                /* no body allowed with 204: refused, answered with 500, request consumed */
                assert_int_equal(http_stream_begin(r, 204, "text/plain", NULL), -EINVAL);
                return 0;
        }
        if (streq(path, "/big")) {
                static char big[256 * 1024];
                memset(big, 'B', sizeof(big));
                assert_int_equal(http_reply(r, 200, "text/plain", NULL, big, sizeof(big)), 0);
                return 0;
        }
        if (streq(path, "/huge")) {
                char *huge = malloc(8 * 1024 * 1024);
                assert_non_null(huge);
                memset(huge, 'H', 8 * 1024 * 1024);
                assert_int_equal(http_reply(r, 200, "text/plain", NULL, huge, 8 * 1024 * 1024), 0);
                free(huge);
                return 0;
        }
        if (streq(path, "/hdr")) {
                const char *v = http_request_header(r, "x-test");
                snprintf(body, sizeof(body), "<%s>", v ?: "none");
                assert_int_equal(http_reply(r, 200, "text/plain", NULL, body, strlen(body)), 0);
                return 0;
        }

        /* /echo and everything else */
        b = http_request_body(r, &blen);
        char **all = http_request_query_all(r, "a");
        char joined[256] = "";
        for (char **v = all; v && *v; v++) {
                if (v != all)
                        strcat(joined, ",");
                strncat(joined, *v, 64);
        }
        snprintf(body, sizeof(body), "method=%s path=%s raw=%s q=%s a=%s hdr=%s body=%.*s",
                 http_request_method(r), path, http_request_raw_path(r), strempty(http_request_query(r, "q")),
                 joined, strempty(http_request_header(r, "X-TEST")), (int) MIN(blen, 4096), b);
        assert_int_equal(http_request_add_response_header(r, "X-Extra: yes"), 0);
        assert_int_equal(http_request_add_response_header(r, "Bad: x\r\nInjected: y"), -EINVAL);
        const char *extra[] = { "Warning: 299 - \"careful\"", NULL };
        assert_int_equal(http_reply(r, 200, "text/plain", extra, body, strlen(body)), 0);
        return 0;
}

/* ---- loop plumbing ---- */

static int on_grace_over(sd_event_source *s, uint64_t usec, void *userdata) {
        Ctx *t = userdata;
        return sd_event_exit(t->event, 0);
}

static int on_client_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Ctx *t = userdata;
        char c;

        (void) read(fd, &c, 1);
        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        /* Let the server see what the client did last (e.g. a close) before stopping. */
        assert_int_equal(sd_event_add_time_relative(t->event, &t->grace, CLOCK_MONOTONIC, 100 * 1000, 0,
                                                    on_grace_over, t), 0);
        return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Ctx *t = userdata;
        t->timed_out = true;
        return sd_event_exit(t->event, 0);
}

static void *client_thread(void *p) {
        Ctx *t = p;
        uint64_t start = mono_usec();

        t->client(t);
        t->elapsed_usec = mono_usec() - start;
        (void) write(t->done_pipe[1], "x", 1);
        return NULL;
}

static Ctx *ctx_new_listen(const char *address) {
        Ctx *t = calloc(1, sizeof(Ctx));
        int r;

        assert_non_null(t);
        assert_int_equal(sd_event_new(&t->event), 0);
        assert_int_equal(http_server_new(t->event, handler, t, &t->server), 0);
        r = http_server_listen(t->server, address);
        if (r == -EADDRNOTAVAIL || r == -EAFNOSUPPORT) {
                http_server_free(t->server);
                sd_event_unref(t->event);
                free(t);
                return NULL;
        }
        assert_int_equal(r, 0);
        t->port = http_server_port(t->server);
        t->ipv6 = address[0] == '[';
        assert_true(t->port > 0);
        return t;
}

static Ctx *ctx_new(void) {
        return ctx_new_listen("127.0.0.1:0");
}

/* A server on a socket we made ourselves (as from socket activation); accepted connections inherit
 * the listener's SO_SNDBUF when sndbuf > 0, which keeps kernel buffering out of timing tests. */
static Ctx *ctx_new_fd(int sndbuf) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t salen = sizeof(sa);
        Ctx *t = calloc(1, sizeof(Ctx));
        int fd;

        assert_non_null(t);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        if (sndbuf > 0)
                assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 16), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &salen), 0);

        assert_int_equal(sd_event_new(&t->event), 0);
        assert_int_equal(http_server_new(t->event, handler, t, &t->server), 0);
        assert_int_equal(http_server_add_fd(t->server, fd), 0); /* the server owns it now */
        t->port = http_server_port(t->server);
        assert_int_equal(t->port, ntohs(sa.sin_port));
        return t;
}

static void ctx_run(Ctx *t, client_fn_t client) {
        t->client = client;
        assert_int_equal(pipe2(t->done_pipe, O_CLOEXEC), 0);
        assert_int_equal(sd_event_add_io(t->event, &t->done_source, t->done_pipe[0], EPOLLIN, on_client_done, t), 0);
        assert_int_equal(sd_event_add_time_relative(t->event, &t->deadline, CLOCK_MONOTONIC, 20 * 1000000, 0,
                                                    on_deadline, t), 0);
        assert_int_equal(pthread_create(&t->thread, NULL, client_thread, t), 0);
        assert_int_equal(sd_event_loop(t->event), 0);
        assert_int_equal(pthread_join(t->thread, NULL), 0);
        assert_false(t->timed_out);
}

static void ctx_free(Ctx *t) {
        t->server = http_server_free(t->server);
        t->timer = sd_event_source_disable_unref(t->timer);
        t->done_source = sd_event_source_disable_unref(t->done_source);
        t->grace = sd_event_source_disable_unref(t->grace);
        t->deadline = sd_event_source_disable_unref(t->deadline);
        safe_close(t->done_pipe[0]);
        safe_close(t->done_pipe[1]);
        sd_event_unref(t->event);
        free(t);
}

/* ---- client side (runs in the client thread; no cmocka assertions here) ---- */

typedef struct Client {
        int fd;
        char buf[4 * 1024 * 1024];
        size_t len;
} Client;

typedef struct Response {
        int code;
        char head[16384];
        char body[65536];
        size_t body_len;
        unsigned n_chunks;
        bool chunked;
} Response;

static Client *client_connect(Ctx *t) {
        struct sockaddr_in sa = {
                .sin_family = AF_INET,
                .sin_port = htons(t->port),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        struct sockaddr_in6 sa6 = {
                .sin6_family = AF_INET6,
                .sin6_port = htons(t->port),
                .sin6_addr = IN6ADDR_LOOPBACK_INIT,
        };
        struct timeval tv = { .tv_sec = 5 };
        Client *c = calloc(1, sizeof(Client));

        if (!c)
                abort();
        c->fd = socket(t->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                abort();
        (void) setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void) setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (t->ipv6 ? connect(c->fd, (struct sockaddr *) &sa6, sizeof(sa6)) < 0
                    : connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                t->client_errors++;
        }
        return c;
}

static void client_close(Client *c) {
        safe_close(c->fd);
        free(c);
}

static void client_send(Ctx *t, Client *c, const void *data, size_t len) {
        const char *p = data;

        while (len > 0) {
                ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
                if (n <= 0) {
                        t->client_errors++;
                        return;
                }
                p += n;
                len -= (size_t) n;
        }
}

static void client_sends(Ctx *t, Client *c, const char *s) {
        client_send(t, c, s, strlen(s));
}

/* Read more into c->buf; returns bytes read, 0 on EOF, -1 on error/timeout. */
static ssize_t client_fill(Client *c) {
        ssize_t n;

        if (c->len >= sizeof(c->buf))
                return -1;
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n > 0)
                c->len += (size_t) n;
        return n;
}

static void client_consume(Client *c, size_t n) {
        memmove(c->buf, c->buf + n, c->len - n);
        c->len -= n;
}

static char *memfind(Client *c, const char *needle) {
        return memmem(c->buf, c->len, needle, strlen(needle));
}

static bool client_ensure(Client *c, size_t n) {
        while (c->len < n)
                if (client_fill(c) <= 0)
                        return false;
        return true;
}

/* Header value in a response head, or NULL. */
static const char *head_value(const Response *r, const char *name, char *out, size_t outsz) {
        const char *p = r->head;

        while ((p = strstr(p, "\r\n"))) {
                p += 2;
                if (strncasecmp(p, name, strlen(name)) == 0 && p[strlen(name)] == ':') {
                        const char *v = p + strlen(name) + 1, *e;
                        while (*v == ' ')
                                v++;
                        e = strstr(v, "\r\n");
                        snprintf(out, outsz, "%.*s", (int) (e ? e - v : (ptrdiff_t) strlen(v)), v);
                        return out;
                }
        }
        return NULL;
}

/* Read one response (Content-Length, chunked, or until EOF). Returns 0, or -1 (EOF before a head). */
static int client_read_response(Client *c, Response *r) {
        char *end, v[64];
        size_t hl;

        memset(r, 0, sizeof(*r));
        while (!(end = memfind(c, "\r\n\r\n")))
                if (client_fill(c) <= 0)
                        return -1;
        hl = (size_t) (end - c->buf) + 4;
        snprintf(r->head, sizeof(r->head), "%.*s", (int) MIN(hl, sizeof(r->head) - 1), c->buf);
        client_consume(c, hl);
        if (sscanf(r->head, "HTTP/1.1 %d ", &r->code) != 1)
                return -1;
        if (r->code == 100)
                return 0;

        if (head_value(r, "Content-Length", v, sizeof(v))) {
                size_t n = strtoul(v, NULL, 10);
                if (!client_ensure(c, n))
                        return -1;
                memcpy(r->body, c->buf, MIN(n, sizeof(r->body) - 1));
                r->body_len = MIN(n, sizeof(r->body) - 1);
                client_consume(c, n);
                return 0;
        }
        if (head_value(r, "Transfer-Encoding", v, sizeof(v)) && streq(v, "chunked")) {
                r->chunked = true;
                for (;;) {
                        size_t n;
                        while (!(end = memfind(c, "\r\n")))
                                if (client_fill(c) <= 0)
                                        return -1;
                        n = strtoul(c->buf, NULL, 16);
                        client_consume(c, (size_t) (end - c->buf) + 2);
                        if (!client_ensure(c, n + 2))
                                return -1;
                        if (n == 0) {
                                client_consume(c, 2);
                                return 0;
                        }
                        r->n_chunks++;
                        if (r->body_len + n < sizeof(r->body)) {
                                memcpy(r->body + r->body_len, c->buf, n);
                                r->body_len += n;
                        }
                        client_consume(c, n + 2);
                }
        }
        /* until EOF */
        while (client_fill(c) > 0)
                ;
        r->body_len = MIN(c->len, sizeof(r->body) - 1);
        memcpy(r->body, c->buf, r->body_len);
        c->len = 0;
        return 0;
}

static void logf_(Ctx *t, const char *format, ...) _printf_(2, 3);
static void logf_(Ctx *t, const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(t->log + t->log_len, sizeof(t->log) - t->log_len, format, ap);
        va_end(ap);
        if (n > 0)
                t->log_len = MIN(t->log_len + (size_t) n, sizeof(t->log) - 1);
}

/* Log a response as "CODE body" plus selected facts. */
static void log_response(Ctx *t, const Response *r) {
        char v[256];

        logf_(t, "[%d %.*s]", r->code, (int) r->body_len, r->body);
        if (head_value(r, "Connection", v, sizeof(v)))
                logf_(t, "{conn=%s}", v);
        if (r->chunked)
                logf_(t, "{chunks=%u}", r->n_chunks);
}

/* After the server closed: reading gives EOF (0) rather than a timeout. */
static void log_eof(Ctx *t, Client *c) {
        char b[16];
        ssize_t n = recv(c->fd, b, sizeof(b), 0);
        logf_(t, n == 0 ? "<eof>" : n < 0 ? "<err>" : "<data>");
}

static void request_response(Ctx *t, Client *c, const char *req) {
        Response r;

        client_sends(t, c, req);
        if (client_read_response(c, &r) < 0) {
                logf_(t, "<noresponse>");
                return;
        }
        log_response(t, &r);
}

/* ---- tests ---- */

static Response last; /* last response of the current single-request client (inspected by tests) */

static void client_get_query(Ctx *t) {
        Client *c = client_connect(t);

        client_sends(t, c,
                     "GET /echo/a%20b%2Fc?q=hello+world%21&a=1&a=2%263&empty&=x&bad=%zz HTTP/1.1\r\n"
                     "Host: x\r\nX-Test: one\r\nx-test:  two \r\n\r\n");
        if (client_read_response(c, &last) == 0)
                log_response(t, &last);
        client_close(c);
}

static void test_get_query(void **state) {
        Ctx *t = ctx_new();
        char v[128];

        ctx_run(t, client_get_query);
        assert_int_equal(t->client_errors, 0);
        assert_string_equal(t->log, "[200 method=GET path=/echo/a b/c raw=/echo/a%20b%2Fc q=hello world! "
                                    "a=1,2&3 hdr=one, two body=]");
        assert_true(startswith(last.head, "HTTP/1.1 200 OK\r\n"));
        assert_non_null(head_value(&last, "Date", v, sizeof(v)));
        assert_true(strstr(v, " GMT") != NULL);
        assert_string_equal(head_value(&last, "Content-Type", v, sizeof(v)), "text/plain");
        snprintf(v, sizeof(v), "%zu", last.body_len);
        char cl[32];
        assert_string_equal(head_value(&last, "Content-Length", cl, sizeof(cl)), v);
        assert_string_equal(head_value(&last, "X-Extra", v, sizeof(v)), "yes");
        assert_string_equal(head_value(&last, "Warning", v, sizeof(v)), "299 - \"careful\"");
        assert_null(head_value(&last, "Connection", v, sizeof(v)));
        assert_int_equal(t->n_requests, 1);
        ctx_free(t);
}

static void client_post(Ctx *t) {
        Client *c = client_connect(t);

        request_response(t, c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello body");
        /* chunked request body */
        request_response(t, c,
                         "PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        client_close(c);
}

static void test_post_body(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_post);
        assert_string_equal(t->log, "[200 method=POST path=/echo raw=/echo q= a= hdr= body=hello body]"
                                    "[200 method=PUT path=/echo raw=/echo q= a= hdr= body=abcde]");
        ctx_free(t);
}

static void client_keepalive(Ctx *t) {
        Client *c = client_connect(t);

        request_response(t, c, "GET /echo?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        request_response(t, c, "GET /echo?q=2 HTTP/1.1\r\nHost: x\r\n\r\n");
        request_response(t, c, "GET /echo?q=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        log_eof(t, c);
        client_close(c);
}

static void test_keepalive(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_keepalive);
        assert_string_equal(t->log, "[200 method=GET path=/echo raw=/echo q=1 a= hdr= body=]"
                                    "[200 method=GET path=/echo raw=/echo q=2 a= hdr= body=]"
                                    "[200 method=GET path=/echo raw=/echo q=3 a= hdr= body=]{conn=close}<eof>");
        assert_int_equal(t->n_requests, 3);
        assert_int_equal(t->max_connections_seen, 1); /* all on one connection */
        assert_int_equal(http_server_n_connections(t->server), 0);
        ctx_free(t);
}

static void test_ipv6(void **state) {
        Ctx *t = ctx_new_listen("[::1]:0");

        if (!t) {
                print_message("IPv6 loopback not available, skipping\n");
                return;
        }
        ctx_run(t, client_keepalive);
        assert_string_equal(t->log, "[200 method=GET path=/echo raw=/echo q=1 a= hdr= body=]"
                                    "[200 method=GET path=/echo raw=/echo q=2 a= hdr= body=]"
                                    "[200 method=GET path=/echo raw=/echo q=3 a= hdr= body=]{conn=close}<eof>");
        ctx_free(t);
}

static void test_add_fd(void **state) {
        Ctx *t = ctx_new_fd(0);

        ctx_run(t, client_keepalive);
        assert_int_equal(t->n_requests, 3);
        ctx_free(t);
}

static void client_http10(Ctx *t) {
        Client *c = client_connect(t);

        request_response(t, c, "GET /echo HTTP/1.0\r\n\r\n");
        log_eof(t, c);
        client_close(c);

        c = client_connect(t);
        request_response(t, c, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        request_response(t, c, "GET /echo HTTP/1.0\r\n\r\n");
        log_eof(t, c);
        client_close(c);
}

static void test_http10(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_http10);
        assert_string_equal(t->log, "[200 method=GET path=/echo raw=/echo q= a= hdr= body=]{conn=close}<eof>"
                                    "[200 method=GET path=/echo raw=/echo q= a= hdr= body=]{conn=keep-alive}"
                                    "[200 method=GET path=/echo raw=/echo q= a= hdr= body=]{conn=close}<eof>");
        ctx_free(t);
}

static void client_pipeline(Ctx *t) {
        Client *c = client_connect(t);
        Response r;

        /* three requests in one segment; the first is answered later from a timer */
        client_sends(t, c,
                     "GET /defer HTTP/1.1\r\nHost: x\r\n\r\n"
                     "POST /echo?q=p2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
                     "GET /echo?q=p3 HTTP/1.1\r\nHost: x\r\n\r\n");
        for (int i = 0; i < 3; i++) {
                if (client_read_response(c, &r) < 0) {
                        logf_(t, "<noresponse>");
                        break;
                }
                log_response(t, &r);
        }
        client_close(c);
}

static void test_pipelining(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_pipeline);
        assert_string_equal(t->log, "[200 deferred]"
                                    "[200 method=POST path=/echo raw=/echo q=p2 a= hdr= body=xyz]"
                                    "[200 method=GET path=/echo raw=/echo q=p3 a= hdr= body=]");
        assert_int_equal(t->n_requests, 3);
        ctx_free(t);
}

static void client_deferred(Ctx *t) {
        Client *c = client_connect(t);
        uint64_t start = mono_usec();

        request_response(t, c, "GET /defer HTTP/1.1\r\nHost: x\r\n\r\n");
        logf_(t, mono_usec() - start >= 90 * 1000 ? "{waited}" : "{early}");
        client_close(c);
}

static void test_deferred(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_deferred);
        assert_string_equal(t->log, "[200 deferred]{waited}");
        assert_int_equal(t->n_aborts, 0);
        assert_null(t->kept);
        ctx_free(t);
}

static void client_abort(Ctx *t) {
        Client *c = client_connect(t);

        client_sends(t, c, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
        usleep(100 * 1000);
        client_close(c);
}

static void test_abort(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_abort);
        assert_int_equal(t->n_requests, 1);
        assert_int_equal(t->n_aborts, 1);
        assert_null(t->kept);
        assert_int_equal(http_server_n_connections(t->server), 0);
        ctx_free(t);
}

static int leftover_fd = -1;

static void client_hang_open(Ctx *t) {
        Client *c = client_connect(t);

        client_sends(t, c, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
        usleep(100 * 1000);
        leftover_fd = TAKE_FD(c->fd); /* still connected when the server is freed */
        client_close(c);
}

static void test_abort_on_server_free(void **state) {
        Ctx *t = ctx_new();
        unsigned aborts;

        ctx_run(t, client_hang_open);
        assert_int_equal(t->n_requests, 1);
        assert_int_equal(t->n_aborts, 0);
        assert_non_null(t->kept);
        assert_int_equal(http_server_n_connections(t->server), 1);
        t->server = http_server_free(t->server);
        aborts = t->n_aborts;
        assert_null(t->kept);
        ctx_free(t);
        assert_int_equal(aborts, 1);
        leftover_fd = safe_close(leftover_fd);
}

static void client_orphan(Ctx *t) {
        Client *c = client_connect(t);

        client_sends(t, c, "GET /orphan HTTP/1.1\r\nHost: x\r\n\r\n");
        usleep(100 * 1000);
        client_close(c);
        usleep(400 * 1000); /* the late answer comes 300 ms after the request */
}

static void test_orphan_late_reply(void **state) {
        Ctx *t = ctx_new();

        t->late_reply_result = 1;
        ctx_run(t, client_orphan);
        assert_int_equal(t->n_requests, 1);
        assert_null(t->orphan);
        assert_int_equal(t->late_reply_result, -ECONNRESET);
        ctx_free(t);
}

static void client_stream(Ctx *t) {
        Client *c = client_connect(t);

        request_response(t, c, "GET /stream?watch=true HTTP/1.1\r\nHost: x\r\n\r\n");
        request_response(t, c, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"); /* still usable afterwards */
        client_close(c);
}

static void client_pipeline_no_read(Ctx *t) {
        Client *c = client_connect(t);
        char req[64 * 40];
        size_t l = 0;
        unsigned seen, ok = 0;
        Response r;

        /* 40 requests for 256 KiB answers each (10 MiB), then do not read for a while */
        for (unsigned i = 0; i < 40; i++)
                l += (size_t) snprintf(req + l, sizeof(req) - l, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        client_send(t, c, req, l);
        usleep(300 * 1000);
        seen = __atomic_load_n(&t->n_requests, __ATOMIC_SEQ_CST);
        logf_(t, seen < 40 ? "{held back}" : "{all parsed: %u}", seen);
        for (unsigned i = 0; i < 40; i++)
                if (client_read_response(c, &r) == 0 && r.code == 200 && r.body_len == sizeof(r.body) - 1)
                        ok++;
        logf_(t, "{%u answers}", ok);
        client_close(c);
}

static void test_pipelining_backpressure(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_pipeline_no_read);
        assert_string_equal(t->log, "{held back}{40 answers}");
        assert_int_equal(t->n_requests, 40);
        ctx_free(t);
}

static void test_stream(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_stream);
        assert_string_equal(t->log, "[200 chunk0\nchunk1\nchunk2\n]{chunks=3}"
                                    "[200 method=GET path=/echo raw=/echo q= a= hdr= body=]");
        assert_int_equal(t->n_aborts, 0);
        ctx_free(t);
}

static void client_stream_close(Ctx *t) {
        Client *c = client_connect(t);
        char *e;

        client_sends(t, c, "GET /stream-forever HTTP/1.1\r\nHost: x\r\n\r\n");
        while (!(e = memfind(c, "ADDED")))
                if (client_fill(c) <= 0)
                        break;
        logf_(t, e ? "{event}" : "{noevent}");
        client_close(c);
}

static void test_stream_client_close(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_stream_close);
        assert_string_equal(t->log, "{event}");
        assert_int_equal(t->n_aborts, 1);
        assert_null(t->kept);
        ctx_free(t);
}

static void client_flood(Ctx *t) {
        Client *c = client_connect(t);

        /* ask for a big stream and never read it; the handler ends the stream on -ENOBUFS */
        client_sends(t, c, "GET /flood?end=yes HTTP/1.1\r\nHost: x\r\n\r\n");
        usleep(300 * 1000);
        client_close(c);
}

static void client_flood_noend(Ctx *t) {
        Client *c = client_connect(t);

        /* same, but the handler ignores -ENOBUFS: the server drops the connection and aborts */
        client_sends(t, c, "GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
        usleep(300 * 1000);
        client_close(c);
}

static void test_stream_output_cap_abort(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_flood_noend);
        assert_int_equal(t->enobufs_result, -ENOBUFS);
        assert_int_equal(t->n_aborts, 1);
        assert_null(t->kept);
        assert_int_equal(http_server_n_connections(t->server), 0);
        ctx_free(t);
}

static void test_stream_output_cap(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_flood);
        assert_int_equal(t->enobufs_result, -ENOBUFS);
        assert_int_equal(t->n_aborts, 0);
        assert_null(t->kept);
        assert_int_equal(http_server_n_connections(t->server), 0);
        ctx_free(t);
}

static void client_body_too_large(Ctx *t) {
        Client *c = client_connect(t);
        char req[256];

        snprintf(req, sizeof(req), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %u\r\n\r\n",
                 KSHIM_HTTP_MAX_BODY_BYTES + 1);
        client_sends(t, c, req);
        if (client_read_response(c, &last) == 0)
                log_response(t, &last);
        log_eof(t, c);
        client_close(c);

        /* chunked, so only the actual size tells: the server has to read and drop what we send */
        c = client_connect(t);
        client_sends(t, c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        static char chunk[65536 + 16];
        int hl = snprintf(chunk, sizeof(chunk), "%x\r\n", 65536);
        memset(chunk + hl, 'a', 65536);
        memcpy(chunk + hl + 65536, "\r\n", 2);
        for (unsigned i = 0; i <= KSHIM_HTTP_MAX_BODY_BYTES / 65536; i++) {
                ssize_t n = send(c->fd, chunk, (size_t) hl + 65536 + 2, MSG_NOSIGNAL);
                if (n <= 0)
                        break; /* the server may close early */
        }
        Response r;
        if (client_read_response(c, &r) == 0)
                logf_(t, "[%d]", r.code);
        else
                logf_(t, "<noresponse>");
        client_close(c);
}

static void test_body_too_large(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_body_too_large);
        assert_string_equal(t->log,
                            "[413 {\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            "\"message\":\"the request body is too large\",\"reason\":\"RequestEntityTooLarge\","
                            "\"code\":413}]{conn=close}<eof>[413]");
        assert_true(startswith(last.head, "HTTP/1.1 413 Payload Too Large\r\n"));
        assert_int_equal(t->n_requests, 0);
        ctx_free(t);
}

static void client_limits(Ctx *t) {
        Client *c;
        char *big;
        size_t n;

        /* one huge header */
        c = client_connect(t);
        n = KSHIM_HTTP_MAX_HEADER_BYTES + 100;
        big = malloc(n + 64);
        strcpy(big, "GET /echo HTTP/1.1\r\nX-Big: ");
        memset(big + strlen(big), 'b', n);
        big[27 + n] = 0;
        strcat(big, "\r\n\r\n");
        request_response(t, c, big);
        log_eof(t, c);
        client_close(c);
        free(big);

        /* too many header fields */
        char many[16384];
        size_t l = (size_t) snprintf(many, sizeof(many), "GET /echo HTTP/1.1\r\n");
        for (unsigned i = 0; i <= KSHIM_HTTP_MAX_HEADERS; i++)
                l += (size_t) snprintf(many + l, sizeof(many) - l, "X-H%u: v\r\n", i);
        snprintf(many + l, sizeof(many) - l, "\r\n");
        c = client_connect(t);
        request_response(t, c, many);
        client_close(c);

        /* URL too long */
        n = KSHIM_HTTP_MAX_URL_BYTES + 1;
        big = malloc(n + 64);
        strcpy(big, "GET /");
        memset(big + 5, 'u', n);
        strcpy(big + 5 + n, " HTTP/1.1\r\n\r\n");
        c = client_connect(t);
        client_sends(t, c, big);
        Response r;
        if (client_read_response(c, &r) == 0)
                logf_(t, "[%d %s]", r.code, strstr(r.body, "\"reason\":\"BadRequest\"") ? "status" : "?");
        client_close(c);
        free(big);
}

static void test_header_and_url_limits(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_limits);
        assert_string_equal(t->log,
                            "[431 {\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            "\"message\":\"request header fields too large\",\"reason\":\"BadRequest\",\"code\":431}]"
                            "{conn=close}<eof>"
                            "[431 {\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            "\"message\":\"too many request header fields\",\"reason\":\"BadRequest\",\"code\":431}]"
                            "{conn=close}"
                            "[414 status]");
        assert_int_equal(t->n_requests, 0);
        ctx_free(t);
}

static void client_bad(Ctx *t) {
        Client *c;
        Response r;

        c = client_connect(t);
        client_sends(t, c, "GARBAGE\r\n\r\n");
        if (client_read_response(c, &r) == 0)
                logf_(t, "[%d %s]", r.code, strstr(r.body, "\"reason\":\"BadRequest\"") ? "status" : "?");
        log_eof(t, c);
        client_close(c);

        c = client_connect(t);
        client_sends(t, c, "GET /bad%zzescape HTTP/1.1\r\nHost: x\r\n\r\n");
        if (client_read_response(c, &r) == 0)
                logf_(t, "[%d]", r.code);
        log_eof(t, c);
        client_close(c);

        c = client_connect(t);
        client_sends(t, c, "GET /nul%00 HTTP/1.1\r\nHost: x\r\n\r\n");
        if (client_read_response(c, &r) == 0)
                logf_(t, "[%d]", r.code);
        client_close(c);

        /* good request, then garbage on the same connection */
        c = client_connect(t);
        request_response(t, c, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nBad Header\r\n\r\n");
        if (client_read_response(c, &r) == 0)
                logf_(t, "[%d]", r.code);
        client_close(c);

        /* invalid stream start → 500 */
        c = client_connect(t);
        request_response(t, c, "GET /badstream HTTP/1.1\r\nHost: x\r\n\r\n");
        log_eof(t, c);
        client_close(c);

        /* handler failure → 500 and close */
        c = client_connect(t);
        request_response(t, c, "GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
        log_eof(t, c);
        client_close(c);
}

static void test_bad_request(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_bad);
        assert_string_equal(t->log,
                            "[400 status]<eof>[400]<eof>[400]"
                            "[200 method=GET path=/echo raw=/echo q= a= hdr= body=][400]"
                            "[500 {\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            "\"message\":\"Internal error occurred: invalid response\","
                            "\"reason\":\"InternalError\",\"code\":500}]{conn=close}<eof>"
                            "[500 {\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            "\"message\":\"Internal error occurred: request handler failed\","
                            "\"reason\":\"InternalError\",\"code\":500}]{conn=close}<eof>");
        ctx_free(t);
}

static void client_expect(Ctx *t) {
        Client *c = client_connect(t);
        Response r;

        client_sends(t, c, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        if (client_read_response(c, &r) == 0)
                logf_(t, "[%d]", r.code);
        client_sends(t, c, "hello");
        if (client_read_response(c, &r) == 0)
                log_response(t, &r);
        client_close(c);
}

static void test_expect_continue(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_expect);
        assert_string_equal(t->log, "[100][200 method=POST path=/echo raw=/echo q= a= hdr= body=hello]");
        ctx_free(t);
}

static void client_misc(Ctx *t) {
        Client *c = client_connect(t);
        Response r;
        char *end;

        /* empty header value vs. no header */
        request_response(t, c, "GET /hdr HTTP/1.1\r\nX-Test:\r\nHost: x\r\n\r\n");
        request_response(t, c, "GET /hdr HTTP/1.1\r\nHost: x\r\n\r\n");
        request_response(t, c, "GET /hdr HTTP/1.1\r\nx-tEST: a\r\nHost: x\r\nX-Test: b\r\n\r\n");

        /* HEAD: a head with Content-Length and no body; the next answer follows right after */
        client_sends(t, c, "HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\nGET /hdr HTTP/1.1\r\nHost: x\r\n\r\n");
        while (!(end = memfind(c, "\r\n\r\n")))
                if (client_fill(c) <= 0)
                        break;
        if (end) {
                logf_(t, "{head %s}", memmem(c->buf, (size_t) (end - c->buf), "Content-Length: ", 16) ? "cl" : "nocl");
                client_consume(c, (size_t) (end - c->buf) + 4);
        }
        if (client_read_response(c, &r) == 0)
                log_response(t, &r);
        client_close(c);

        /* half-close after the request: an immediate answer still arrives (it was sent before the server
         * saw the EOF, so without "Connection: close"), then the server closes */
        c = client_connect(t);
        client_sends(t, c, "GET /hdr HTTP/1.1\r\nHost: x\r\n\r\n");
        shutdown(c->fd, SHUT_WR);
        if (client_read_response(c, &r) == 0)
                log_response(t, &r);
        log_eof(t, c);
        client_close(c);

        /* half-close during a deferred request counts as a disconnect */
        c = client_connect(t);
        client_sends(t, c, "GET /defer HTTP/1.1\r\nHost: x\r\n\r\n");
        shutdown(c->fd, SHUT_WR);
        log_eof(t, c);
        client_close(c);
}

static void test_misc(void **state) {
        Ctx *t = ctx_new();

        ctx_run(t, client_misc);
        assert_string_equal(t->log, "[200 <>][200 <none>][200 <a, b>]{head cl}[200 <none>]"
                                    "[200 <none>]<eof><eof>");
        assert_int_equal(t->n_aborts, 1);
        assert_null(t->kept);
        ctx_free(t);
}

static void client_idle(Ctx *t) {
        Client *c = client_connect(t);
        uint64_t start = mono_usec();

        request_response(t, c, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        log_eof(t, c); /* blocks until the server closes the idle connection */
        logf_(t, mono_usec() - start < 3 * 1000000 ? "{quick}" : "{slow}");
        client_close(c);
}

static void client_slowloris(Ctx *t) {
        Client *c = client_connect(t);
        uint64_t start = mono_usec();

        client_sends(t, c, "GET /echo HTTP/1.1\r\nHost:");
        log_eof(t, c);
        logf_(t, mono_usec() - start < 3 * 1000000 ? "{quick}" : "{slow}");
        client_close(c);
}

static void test_idle_timeout_partial_request(void **state) {
        Ctx *t = ctx_new();

        http_server_set_idle_timeout(t->server, 200 * 1000);
        ctx_run(t, client_slowloris);
        assert_string_equal(t->log, "<eof>{quick}");
        assert_int_equal(t->n_requests, 0);
        ctx_free(t);
}

static void test_idle_timeout(void **state) {
        Ctx *t = ctx_new();

        http_server_set_idle_timeout(t->server, 200 * 1000);
        ctx_run(t, client_idle);
        assert_string_equal(t->log, "[200 method=GET path=/echo raw=/echo q= a= hdr= body=]<eof>{quick}");
        ctx_free(t);
}

static void client_slow_reader(Ctx *t) {
        Client *c;
        int rcvbuf = 65536;

        /* small socket buffers on both ends: most of the answer waits in the server's queue */
        c = calloc(1, sizeof(Client));
        if (!c)
                abort();
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        (void) setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        struct timeval tv = { .tv_sec = 5 };
        (void) setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(t->port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                t->client_errors++;
        size_t want = 0, got = 0;
        char *end;
        char buf[16384];

        client_sends(t, c, "GET /huge HTTP/1.1\r\nHost: x\r\n\r\n");
        while (!(end = memfind(c, "\r\n\r\n")))
                if (client_fill(c) <= 0)
                        break;
        if (end) {
                const char *cl = memmem(c->buf, (size_t) (end - c->buf), "Content-Length: ", 16);
                want = cl ? strtoul(cl + 16, NULL, 10) : 0;
                got = c->len - ((size_t) (end - c->buf) + 4);
        }
        /* read 16 KiB every 2 ms: over 1 s for 8 MiB, well over the 300 ms idle timeout */
        while (got < want) {
                ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
                if (n <= 0)
                        break;
                got += (size_t) n;
                usleep(2000);
        }
        logf_(t, want > 0 && got == want ? "{complete}" : "{truncated %zu/%zu}", got, want);
        client_close(c);
}

static void test_idle_timeout_slow_reader(void **state) {
        Ctx *t = ctx_new_fd(65536);

        http_server_set_idle_timeout(t->server, 300 * 1000);
        ctx_run(t, client_slow_reader);
        assert_string_equal(t->log, "{complete}");
        ctx_free(t);
}

static void client_max_conn(Ctx *t) {
        Client *a = client_connect(t), *b;

        request_response(t, a, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        b = client_connect(t);
        log_eof(t, b); /* refused: closed at once */
        request_response(t, a, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        client_close(b);
        client_close(a);
}

static void test_max_connections(void **state) {
        Ctx *t = ctx_new();

        http_server_set_max_connections(t->server, 1);
        ctx_run(t, client_max_conn);
        assert_string_equal(t->log, "[200 method=GET path=/echo raw=/echo q= a= hdr= body=]<eof>"
                                    "[200 method=GET path=/echo raw=/echo q= a= hdr= body=]");
        ctx_free(t);
}

static void test_listen_addresses(void **state) {
        sd_event *e = NULL;
        HttpServer *s = NULL;
        int r;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(http_server_new(e, handler, NULL, &s), 0);
        assert_int_equal(http_server_listen(s, "127.0.0.1"), -EINVAL);
        assert_int_equal(http_server_listen(s, "127.0.0.1:99999"), -EINVAL);
        assert_int_equal(http_server_listen(s, "localhost:80"), -EINVAL);
        assert_int_equal(http_server_listen(s, "[::1:80"), -EINVAL);
        assert_int_equal(http_server_listen(s, "::1:80"), -EINVAL);
        assert_int_equal(http_server_port(s), 0);
        r = http_server_listen(s, "[::1]:0");
        if (r == -EADDRNOTAVAIL || r == -EAFNOSUPPORT)
                print_message("IPv6 loopback not available, skipping the IPv6 part\n");
        else {
                assert_int_equal(r, 0);
                assert_true(http_server_port(s) > 0);
        }
        http_server_free(s);
        sd_event_unref(e);
}

/* The fuzzer's path: a connection without a socket. */
static int detached_handler(HttpRequest *r, void *userdata) {
        unsigned *n = userdata;

        (*n)++;
        if (streq(http_request_path(r), "/s")) {
                assert_int_equal(http_stream_begin(r, 200, "text/plain", NULL), 0);
                assert_int_equal(http_stream_write(r, "ab", 2), 0);
                return http_stream_end(r);
        }
        return http_reply(r, 204, NULL, NULL, NULL, 0);
}

static bool contains(const char *out, size_t len, const char *needle) {
        return memmem(out, len, needle, strlen(needle)) != NULL;
}

static void test_detached(void **state) {
        const char input[] = "GET /a HTTP/1.1\r\n\r\nGET /s HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n";
        sd_event *e = NULL;
        HttpServer *s = NULL;
        HttpConnection *c = NULL;
        unsigned n = 0;
        const char *out;
        size_t len;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(http_server_new(e, detached_handler, &n, &s), 0);
        assert_int_equal(http_connection_new_detached(s, &c), 0);
        /* byte by byte, to cross every parser state boundary */
        for (size_t i = 0; i < sizeof(input) - 1; i++)
                assert_int_equal(http_connection_feed(c, input + i, 1), 0);
        assert_int_equal(n, 2);
        assert_int_equal(http_connection_feed(c, "\r\n", 2), 0);
        assert_int_equal(n, 3);
        out = http_connection_output(c, &len);
        assert_true(contains(out, len, "HTTP/1.1 204 No Content\r\n"));
        assert_true(contains(out, len, "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"));
        assert_false(contains(out, len, "Content-Length")); /* none for 204 and chunked */
        http_connection_output_clear(c);
        assert_int_equal(http_connection_feed(c, "BROKEN\r\n\r\n", 10), -ECONNRESET);
        out = http_connection_output(c, &len);
        assert_true(len > 12 && memcmp(out, "HTTP/1.1 400", 12) == 0);
        http_connection_free(c);

        /* a chunked body followed by a pipelined request, whole and byte by byte */
        static const char chunked[] = "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "4\r\nwiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\n"
                                      "GET /q HTTP/1.1\r\n\r\n";
        for (size_t step = 1; step <= sizeof(chunked); step += sizeof(chunked) - 2) {
                n = 0;
                assert_int_equal(http_connection_new_detached(s, &c), 0);
                for (size_t i = 0; i < sizeof(chunked) - 1; i += step)
                        assert_int_equal(http_connection_feed(c, chunked + i, MIN(step, sizeof(chunked) - 1 - i)), 0);
                assert_int_equal(n, 2);
                out = http_connection_output(c, &len);
                assert_true(len > 0 && memcmp(out, "HTTP/1.1 204", 12) == 0);
                assert_true(contains(out + 12, len - 12, "HTTP/1.1 204"));
                http_connection_free(c);
        }
        http_server_free(s);
        sd_event_unref(e);
}

int main(void) {
        if (getenv("KSHIM_TEST_DEBUG"))
                log_set_max_level(LOG_DEBUG);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_get_query),
                cmocka_unit_test(test_post_body),
                cmocka_unit_test(test_keepalive),
                cmocka_unit_test(test_http10),
                cmocka_unit_test(test_pipelining),
                cmocka_unit_test(test_pipelining_backpressure),
                cmocka_unit_test(test_deferred),
                cmocka_unit_test(test_abort),
                cmocka_unit_test(test_orphan_late_reply),
                cmocka_unit_test(test_abort_on_server_free),
                cmocka_unit_test(test_stream),
                cmocka_unit_test(test_stream_client_close),
                cmocka_unit_test(test_stream_output_cap),
                cmocka_unit_test(test_stream_output_cap_abort),
                cmocka_unit_test(test_body_too_large),
                cmocka_unit_test(test_header_and_url_limits),
                cmocka_unit_test(test_bad_request),
                cmocka_unit_test(test_expect_continue),
                cmocka_unit_test(test_idle_timeout),
                cmocka_unit_test(test_idle_timeout_partial_request),
                cmocka_unit_test(test_idle_timeout_slow_reader),
                cmocka_unit_test(test_misc),
                cmocka_unit_test(test_max_connections),
                cmocka_unit_test(test_listen_addresses),
                cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_add_fd),
                cmocka_unit_test(test_detached),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
