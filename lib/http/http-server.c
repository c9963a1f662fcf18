/* SPDX-License-Identifier: Apache-2.0 */

/*
 * HTTP/1.1 server on sd-event, parsing with http-parser.
 *
 * Design notes
 * ============
 *
 * Objects and ownership
 *   HttpServer owns its listening sockets and every HttpConnection (a doubly linked list). A connection
 *   owns at most one HttpRequest at a time (c->req): the one being parsed, or the one handed to the
 *   handler and not yet answered ("outstanding"). A request whose connection died while it was
 *   outstanding, and that has no abort handler, is moved to the server's orphan list until its owner
 *   answers it (the late answer frees it and returns -ECONNRESET) or the server is freed.
 *
 * Connection state machine (per connection; "outstanding" = c->req in PENDING or STREAMING)
 *
 *      accept ──► IDLE/READING ──(message complete, parser paused)──► PENDING ──http_reply()──┐
 *                    ▲   │                                               │                   │
 *                    │   └─(limit hit / parse error: Status reply)──┐    └─http_stream_begin()─► STREAMING
 *                    │                                              ▼                             │
 *                    └──────(keep-alive; resume parsing)──── request finished ◄──http_stream_end()┘
 *                                                                   │ (Connection: close, HTTP/1.0,
 *                                                                   ▼  upgrade, EOF, error)
 *                                                     CLOSE_AFTER: flush output, shutdown(SHUT_WR),
 *                                                     LINGERING: discard input ≤ 2 s, then free
 *
 *   Any state ──(EOF/EPOLLRDHUP/EPOLLHUP/write error/idle timeout/stream overflow)──► DEAD: the
 *   outstanding request (if any) is aborted (abort handler runs, then the request is freed), then the
 *   connection is freed.
 *
 *   Pipelining: the parser is paused in on_message_complete, so at most one request is outstanding.
 *   Bytes that arrive meanwhile stay in c->in (at most HTTP_INPUT_CAP; reading stops beyond that) and
 *   are parsed after the answer, from a deferred event source (never from inside http_reply()).
 *   Parsing also waits while more than HTTP_OUTPUT_HIGH_WATER bytes of answers are unsent, so a client
 *   that pipelines without reading cannot make the server buffer answers without bound.
 *
 * Re-entrancy rules
 *   Only the event callbacks (io, defer, idle timer) and http_server_free() free a connection. The
 *   public reply/stream functions may be called from the handler (synchronously) or from any later loop
 *   callback; they only queue output, mark state and enable the connection's defer source, which does
 *   the rest (parse pipelined input, close, abort) on the next loop iteration.
 *   After the abort handler returns, the request is freed: the caller must drop its pointer inside the
 *   abort handler. Calls on the request from inside the abort handler return -ECONNRESET and do nothing.
 *
 * Half-closed clients
 *   EOF on the read side while a request is outstanding counts as a disconnect (abort). A client that
 *   half-closes right after sending a request still gets answers the handler gives synchronously.
 *
 * Limits (lib/basic/kshim-limits.h)
 *   request line + header bytes > KSHIM_HTTP_MAX_HEADER_BYTES, or > KSHIM_HTTP_MAX_HEADERS fields → 431;
 *   request target > KSHIM_HTTP_MAX_URL_BYTES → 414; body (Content-Length or actual) >
 *   KSHIM_HTTP_MAX_BODY_BYTES → 413; malformed → 400. Each answers a Kubernetes Status JSON and closes.
 *   More than KSHIM_HTTP_MAX_CONNECTIONS connections: new ones are closed at once. A connection without
 *   an outstanding request is closed KSHIM_HTTP_IDLE_TIMEOUT_USEC after its last answer (or accept, or
 *   the last progress sending queued output), so a request must arrive completely within that time.
 *   Streams: unsent output beyond KSHIM_HTTP_MAX_OUTPUT_BUFFER makes http_stream_write() return
 *   -ENOBUFS and drops the connection. Complete responses are not capped (a large list answer is
 *   legitimate), but parsing pauses above HTTP_OUTPUT_HIGH_WATER (see Pipelining).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>
#include <systemd/sd-event.h>

#include "http-server.h"
#include "http-server-internal.h"
#include "kshim-limits.h"
#include "log.h"
#include "macro.h"

#define HTTP_READ_CHUNK (64u * 1024u)
#define HTTP_READ_BUDGET (1024u * 1024u) /* bytes read per io callback before yielding to the loop */
#define HTTP_INPUT_CAP (KSHIM_HTTP_MAX_HEADER_BYTES + HTTP_READ_CHUNK) /* pipelined bytes kept */
#define HTTP_OUTPUT_HIGH_WATER (1024u * 1024u) /* queued answer bytes before pipelined input waits */
#define HTTP_LINGER_USEC (2u * 1000000u)
#define HTTP_ACCEPT_BATCH 64u
#define HTTP_ACCEPT_RETRY_USEC (100u * 1000u)
#define HTTP_MAX_LISTENERS 16u

/* accept4() failures that mean "out of resources": back off instead of spinning */
#define IN_SET_ERRNO_RESOURCE(e) ((e) == EMFILE || (e) == ENFILE || (e) == ENOBUFS || (e) == ENOMEM)

/* ---- growable byte buffer ---- */

typedef struct Buf {
        char *data;
        size_t len;
        size_t size;
} Buf;

static int buf_reserve(Buf *b, size_t extra) {
        size_t need, n;
        char *p;

        if (extra > SIZE_MAX - b->len - 1)
                return -ENOMEM;
        need = b->len + extra + 1; /* always room for a trailing NUL */
        if (need <= b->size)
                return 0;
        n = MAX(need, b->size * 2);
        n = MAX(n, (size_t) 256);
        p = realloc(b->data, n);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->size = n;
        return 0;
}

static int buf_append(Buf *b, const void *p, size_t n) {
        int r;

        r = buf_reserve(b, n);
        if (r < 0)
                return r;
        if (n > 0)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = 0;
        return 0;
}

static int buf_appendf(Buf *b, const char *format, ...) _printf_(2, 3);
static int buf_appendf(Buf *b, const char *format, ...) {
        va_list ap;
        int n, r;

        va_start(ap, format);
        n = vsnprintf(NULL, 0, format, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        r = buf_reserve(b, (size_t) n);
        if (r < 0)
                return r;
        va_start(ap, format);
        (void) vsnprintf(b->data + b->len, (size_t) n + 1, format, ap);
        va_end(ap);
        b->len += (size_t) n;
        return 0;
}

/* Drop n bytes from the front. */
static void buf_consume(Buf *b, size_t n) {
        if (n >= b->len) {
                b->len = 0;
                if (b->data)
                        b->data[0] = 0;
                return;
        }
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        b->data[b->len] = 0;
}

static void buf_done(Buf *b) {
        b->data = mfree(b->data);
        b->len = b->size = 0;
}

/* ---- objects ---- */

typedef enum RequestState {
        REQUEST_PARSING,   /* headers/body still arriving */
        REQUEST_PENDING,   /* complete, handed to the handler, not answered yet */
        REQUEST_STREAMING, /* chunked answer in progress */
        REQUEST_ABORTING,  /* abort handler running; freed right after */
        REQUEST_ORPHANED,  /* connection gone, no abort handler: freed by the late answer */
} RequestState;

typedef struct NameValue {
        char *name;
        char *value;
} NameValue;

struct HttpRequest {
        HttpServer *server;
        HttpConnection *conn; /* NULL once aborted/orphaned */
        RequestState state;
        HttpRequest *orphan_prev, *orphan_next;

        const char *method; /* static string from http-parser */
        bool head;
        bool keep_alive;
        bool upgrade;
        bool chunked_response; /* stream uses chunked framing (HTTP/1.1) */
        unsigned short http_major, http_minor;

        Buf url;
        char *raw_path;
        char *path;
        NameValue *query;
        size_t n_query;
        char ***query_all; /* arrays handed out by http_request_query_all() */
        size_t n_query_all;

        NameValue *headers;
        size_t n_headers;
        Buf field, value; /* header being parsed */
        bool in_value;
        size_t header_bytes;

        Buf body;

        char **response_headers;
        size_t n_response_headers;

        void *userdata;
        http_abort_t on_abort;
        void *abort_userdata;
        uint64_t start_usec;
};

struct HttpConnection {
        HttpServer *server;
        HttpConnection *prev, *next;
        int fd; /* -1 for detached connections (fuzzer) */

        sd_event_source *io;
        sd_event_source *timer; /* idle timeout, then linger timeout */
        sd_event_source *defer;

        http_parser parser;
        Buf in;           /* received, not parsed yet */
        Buf out;          /* queued, not sent yet, starting at out_off */
        size_t out_off;

        HttpRequest *req;
        int fail_code;     /* status chosen by a parser callback that hit a limit */
        const char *fail_message;
        bool message_complete;
        bool read_eof;     /* peer will send no more */
        bool close_after;  /* no more requests: close when the output is flushed */
        bool lingering;    /* output flushed and SHUT_WR done: discarding input until EOF/timeout */
        bool dead;         /* close as soon as possible, aborting any outstanding request */
};

typedef struct Listener {
        int fd;
        sd_event_source *source;
} Listener;

struct HttpServer {
        sd_event *event;
        http_handler_t handler;
        void *userdata;

        Listener listeners[HTTP_MAX_LISTENERS];
        size_t n_listeners;
        sd_event_source *accept_retry;

        HttpConnection *connections;
        unsigned n_connections;
        unsigned max_connections;
        uint64_t idle_timeout_usec;

        HttpRequest *orphans;
};

static void connection_schedule(HttpConnection *c);
static void connection_update_events(HttpConnection *c);
static void connection_arm_timer(HttpConnection *c, uint64_t usec);

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* ---- requests ---- */

static HttpRequest *request_new(HttpConnection *c) {
        HttpRequest *r;

        r = calloc(1, sizeof(HttpRequest));
        if (!r)
                return NULL;
        r->server = c->server;
        r->conn = c;
        r->state = REQUEST_PARSING;
        r->method = "GET";
        return r;
}

static void name_values_free(NameValue *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].value);
        }
        free(v);
}

static void orphan_unlink(HttpRequest *r) {
        HttpServer *s = r->server;

        if (r->orphan_prev)
                r->orphan_prev->orphan_next = r->orphan_next;
        else if (s->orphans == r)
                s->orphans = r->orphan_next;
        if (r->orphan_next)
                r->orphan_next->orphan_prev = r->orphan_prev;
        r->orphan_prev = r->orphan_next = NULL;
}

static void request_free(HttpRequest *r) {
        if (!r)
                return;
        if (r->state == REQUEST_ORPHANED)
                orphan_unlink(r);
        buf_done(&r->url);
        free(r->raw_path);
        free(r->path);
        name_values_free(r->query, r->n_query);
        for (size_t i = 0; i < r->n_query_all; i++)
                free(r->query_all[i]);
        free(r->query_all);
        name_values_free(r->headers, r->n_headers);
        buf_done(&r->field);
        buf_done(&r->value);
        buf_done(&r->body);
        for (size_t i = 0; i < r->n_response_headers; i++)
                free(r->response_headers[i]);
        free(r->response_headers);
        free(r);
}

static bool request_outstanding(const HttpRequest *r) {
        return r && (r->state == REQUEST_PENDING || r->state == REQUEST_STREAMING);
}

/* Called when the connection goes away. Runs the abort handler of an outstanding request. */
static void request_abort(HttpRequest *r) {
        HttpConnection *c = r->conn;

        if (c)
                c->req = NULL;
        r->conn = NULL;

        if (!request_outstanding(r)) {
                request_free(r);
                return;
        }

        if (r->on_abort) {
                r->state = REQUEST_ABORTING;
                r->on_abort(r, r->abort_userdata);
                request_free(r);
                return;
        }

        /* Nobody to tell: keep it until its owner answers, so a late http_reply() stays safe. */
        r->state = REQUEST_ORPHANED;
        r->orphan_next = r->server->orphans;
        if (r->orphan_next)
                r->orphan_next->orphan_prev = r;
        r->server->orphans = r;
}

/* ---- output ---- */

static size_t connection_pending(const HttpConnection *c) {
        return c->out.len - c->out_off;
}

/* No new request is parsed while one is outstanding or while much of the answers is still unsent (a
 * client pipelining requests without reading the answers would otherwise make us buffer them all). */
static bool connection_busy(const HttpConnection *c) {
        return request_outstanding(c->req) || connection_pending(c) >= HTTP_OUTPUT_HIGH_WATER;
}

static void connection_kill(HttpConnection *c) {
        c->dead = true;
        connection_schedule(c);
}

/* Queue iov for sending; writes directly when nothing is queued yet. Never frees c. */
static int connection_write(HttpConnection *c, const struct iovec *iov, size_t n) {
        size_t total = 0, sent = 0;
        int r;

        if (c->dead)
                return -ECONNRESET;

        for (size_t i = 0; i < n; i++)
                total += iov[i].iov_len;
        if (total == 0)
                return 0;

        if (c->fd >= 0 && connection_pending(c) == 0) {
                struct msghdr mh = {
                        .msg_iov = (struct iovec *) iov,
                        .msg_iovlen = n,
                };
                ssize_t k;

                do
                        k = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
                while (k < 0 && errno == EINTR);
                if (k < 0) {
                        if (errno != EAGAIN) {
                                r = -errno;
                                log_debug_errno(r, "http: send failed, closing connection: %m");
                                connection_kill(c);
                                return r;
                        }
                        k = 0;
                }
                sent = (size_t) k;
        }

        if (sent < total) {
                /* Move what is still queued to the front once the sent part dominates, so a stream that
                 * never fully drains does not grow the buffer forever. */
                if (c->out_off > 0 && c->out_off >= c->out.len / 2) {
                        memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
                        c->out.len -= c->out_off;
                        c->out_off = 0;
                }
                r = buf_reserve(&c->out, total - sent);
                if (r < 0) {
                        connection_kill(c);
                        return r;
                }
                for (size_t i = 0; i < n; i++) {
                        const char *p = iov[i].iov_base;
                        size_t l = iov[i].iov_len;

                        if (sent >= l) {
                                sent -= l;
                                continue;
                        }
                        (void) buf_append(&c->out, p + sent, l - sent); /* reserved above */
                        sent = 0;
                }
                if (c->fd >= 0)
                        connection_update_events(c);
        }
        return 0;
}

static int connection_write_str(HttpConnection *c, const char *s) {
        struct iovec iov = { .iov_base = (char *) s, .iov_len = strlen(s) };
        return connection_write(c, &iov, 1);
}

/* Send as much of the queued output as the socket takes. */
static int connection_flush(HttpConnection *c) {
        while (connection_pending(c) > 0 && c->fd >= 0 && !c->dead) {
                ssize_t k;

                k = send(c->fd, c->out.data + c->out_off, connection_pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        log_debug_errno(errno, "http: send failed, closing connection: %m");
                        c->dead = true;
                        return -errno;
                }
                c->out_off += (size_t) k;
                /* A slow reader of a large answer is not idle: count from the last progress. */
                if (k > 0 && !request_outstanding(c->req) && !c->lingering)
                        connection_arm_timer(c, c->server->idle_timeout_usec);
        }
        if (connection_pending(c) == 0) {
                c->out.len = c->out_off = 0;
                /* Do not keep a large buffer around on an idle connection. */
                if (c->out.size > 4 * HTTP_READ_CHUNK)
                        buf_done(&c->out);
        }
        return 0;
}

/* ---- status lines, dates, Status bodies ---- */

typedef struct StatusPhrase {
        int code;
        const char *phrase;
} StatusPhrase;

static const StatusPhrase status_phrases[] = {
#define XX(num, name, string) { num, #string },
        HTTP_STATUS_MAP(XX)
#undef XX
};

static const char *status_phrase(int code) {
        for (size_t i = 0; i < ELEMENTSOF(status_phrases); i++)
                if (status_phrases[i].code == code)
                        return status_phrases[i].phrase;
        return "Unknown";
}

static const char *const weekdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* RFC 7231 IMF-fixdate, independent of the locale. */
static void format_http_date(char buf[static 32]) {
        struct tm tm;
        time_t t = time(NULL);

        if (!gmtime_r(&t, &tm)) {
                snprintf(buf, 32, "Thu, 01 Jan 1970 00:00:00 GMT");
                return;
        }
        snprintf(buf, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekdays[tm.tm_wday % 7], tm.tm_mday,
                 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool header_line_valid(const char *line) {
        const char *colon;

        if (!line || strpbrk(line, "\r\n"))
                return false;
        colon = strchr(line, ':');
        return colon && colon != line;
}

static bool code_valid(int code) {
        return code >= 100 && code <= 999;
}

static bool code_has_body(int code) {
        return !(code < 200 || code == 204 || code == 304);
}

/* Whether this answer keeps the connection open afterwards. */
static bool request_keeps_alive(HttpRequest *r) {
        HttpConnection *c = r->conn;
        return r->keep_alive && c && !c->close_after && !c->read_eof && !c->dead;
}

typedef enum Framing {
        FRAMING_LENGTH,
        FRAMING_CHUNKED,
        FRAMING_CLOSE, /* HTTP/1.0 stream: body runs until the connection closes */
} Framing;

static int build_head(Buf *b, HttpRequest *r, int code, const char *content_type,
                      const char *const *headers, Framing framing, size_t length) {
        char date[32];
        int k;

        format_http_date(date);
        k = buf_appendf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\n", code, status_phrase(code), date);
        if (k < 0)
                return k;
        if (content_type) {
                k = buf_appendf(b, "Content-Type: %s\r\n", content_type);
                if (k < 0)
                        return k;
        }
        if (framing == FRAMING_CHUNKED)
                k = buf_appendf(b, "Transfer-Encoding: chunked\r\n");
        else if (framing == FRAMING_LENGTH && code_has_body(code))
                k = buf_appendf(b, "Content-Length: %zu\r\n", length);
        if (k < 0)
                return k;
        for (size_t i = 0; i < r->n_response_headers; i++) {
                k = buf_appendf(b, "%s\r\n", r->response_headers[i]);
                if (k < 0)
                        return k;
        }
        for (const char *const *h = headers; h && *h; h++) {
                k = buf_appendf(b, "%s\r\n", *h);
                if (k < 0)
                        return k;
        }
        if (framing == FRAMING_CLOSE || !request_keeps_alive(r))
                k = buf_appendf(b, "Connection: close\r\n\r\n");
        else if (r->http_major == 1 && r->http_minor == 0)
                k = buf_appendf(b, "Connection: keep-alive\r\n\r\n");
        else
                k = buf_appendf(b, "\r\n");
        return k;
}

static const char *status_reason_for_code(int code) {
        return code == 413 ? "RequestEntityTooLarge" : code >= 500 ? "InternalError" : "BadRequest";
}

/* {"kind":"Status",...} for errors the server produces itself. */
static char *status_json(int code, const char *message, size_t *ret_len) {
        json_object *o, *md;
        const char *s;
        size_t len = 0;
        char *ret;

        o = json_object_new_object();
        md = json_object_new_object();
        if (!o || !md) {
                json_object_put(o);
                json_object_put(md);
                return NULL;
        }
        json_object_object_add(o, "kind", json_object_new_string("Status"));
        json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(o, "metadata", md);
        json_object_object_add(o, "status", json_object_new_string("Failure"));
        json_object_object_add(o, "message", json_object_new_string(message));
        json_object_object_add(o, "reason", json_object_new_string(status_reason_for_code(code)));
        json_object_object_add(o, "code", json_object_new_int(code));
        s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        ret = s ? strndup(s, len) : NULL;
        json_object_put(o);
        if (ret)
                *ret_len = len;
        return ret;
}

/* ---- URL handling ---- */

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* Percent-decode n bytes of s; '+' becomes a space if plus. Rejects bad escapes and NUL bytes. */
static int percent_decode(const char *s, size_t n, bool plus, char **ret) {
        _cleanup_free_ char *d = NULL;
        size_t j = 0;

        d = malloc(n + 1);
        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char ch = s[i];

                if (ch == '%') {
                        int hi, lo;

                        if (i + 2 >= n)
                                return -EINVAL;
                        hi = unhex(s[i + 1]);
                        lo = unhex(s[i + 2]);
                        if (hi < 0 || lo < 0)
                                return -EINVAL;
                        ch = (char) (hi << 4 | lo);
                        i += 2;
                } else if (ch == '+' && plus)
                        ch = ' ';
                if (ch == 0)
                        return -EINVAL;
                d[j++] = ch;
        }
        d[j] = 0;
        *ret = TAKE_PTR(d);
        return 0;
}

static int request_parse_query(HttpRequest *r, const char *q, size_t n) {
        const char *end = q + n;

        while (q < end) {
                const char *amp = memchr(q, '&', (size_t) (end - q));
                const char *seg_end = amp ? amp : end;
                const char *eq = memchr(q, '=', (size_t) (seg_end - q));
                _cleanup_free_ char *name = NULL, *value = NULL;
                NameValue *nv;

                if (seg_end > q) {
                        const char *name_end = eq ? eq : seg_end;
                        int k;

                        /* Like Go's url.ParseQuery, undecodable pairs are skipped. */
                        k = percent_decode(q, (size_t) (name_end - q), true, &name);
                        if (k == -ENOMEM)
                                return k;
                        if (k >= 0)
                                k = eq ? percent_decode(eq + 1, (size_t) (seg_end - eq - 1), true, &value)
                                       : (value = strdup("")) ? 0 : -ENOMEM;
                        if (k == -ENOMEM)
                                return k;
                        if (k >= 0 && !isempty(name)) {
                                nv = reallocarray(r->query, r->n_query + 1, sizeof(NameValue));
                                if (!nv)
                                        return -ENOMEM;
                                r->query = nv;
                                r->query[r->n_query++] = (NameValue) { TAKE_PTR(name), TAKE_PTR(value) };
                        }
                }
                q = seg_end + 1;
        }
        return 0;
}

/* Split the request target into raw path, decoded path and query parameters. */
static int request_parse_url(HttpRequest *r, bool is_connect) {
        const char *u = r->url.data ?: "";
        size_t n = r->url.len;
        const char *path, *query = NULL;
        size_t path_len, query_len = 0;
        int k;

        if (n == 0 || is_connect)
                return -EINVAL;

        if (u[0] == '/') {
                const char *hash = memchr(u, '#', n);
                const char *qm;

                if (hash)
                        n = (size_t) (hash - u);
                qm = memchr(u, '?', n);
                path = u;
                path_len = qm ? (size_t) (qm - u) : n;
                if (qm) {
                        query = qm + 1;
                        query_len = n - path_len - 1;
                }
        } else if (streq(u, "*")) {
                path = u;
                path_len = 1;
        } else {
                struct http_parser_url pu;

                /* absolute-form, e.g. from a proxy: http://host/path?query */
                http_parser_url_init(&pu);
                if (http_parser_parse_url(u, n, 0, &pu) != 0)
                        return -EINVAL;
                if (pu.field_set & (1 << UF_PATH)) {
                        path = u + pu.field_data[UF_PATH].off;
                        path_len = pu.field_data[UF_PATH].len;
                } else {
                        path = "/";
                        path_len = 1;
                }
                if (pu.field_set & (1 << UF_QUERY)) {
                        query = u + pu.field_data[UF_QUERY].off;
                        query_len = pu.field_data[UF_QUERY].len;
                }
        }

        r->raw_path = strndup(path, path_len);
        if (!r->raw_path)
                return -ENOMEM;
        k = percent_decode(path, path_len, false, &r->path);
        if (k < 0)
                return k;
        if (query)
                return request_parse_query(r, query, query_len);
        return 0;
}

/* ---- parser callbacks ---- */

static int fail(HttpConnection *c, int code, const char *message) {
        c->fail_code = code;
        c->fail_message = message;
        return -1;
}

static int count_header_bytes(HttpConnection *c, size_t n) {
        HttpRequest *r = c->req;

        r->header_bytes += n;
        if (r->header_bytes > KSHIM_HTTP_MAX_HEADER_BYTES)
                return fail(c, 431, "request header fields too large");
        return 0;
}

static int on_message_begin(http_parser *p) {
        HttpConnection *c = p->data;

        request_free(c->req);
        c->req = request_new(c);
        if (!c->req)
                return fail(c, 500, "out of memory");
        return 0;
}

static int on_url(http_parser *p, const char *at, size_t n) {
        HttpConnection *c = p->data;

        if (count_header_bytes(c, n) < 0)
                return -1;
        if (c->req->url.len + n > KSHIM_HTTP_MAX_URL_BYTES)
                return fail(c, 414, "request URI too long");
        if (buf_append(&c->req->url, at, n) < 0)
                return fail(c, 500, "out of memory");
        return 0;
}

static int header_commit(HttpConnection *c) {
        HttpRequest *r = c->req;
        char *v = r->value.data ?: (char *) "";
        size_t vl = r->value.len;

        r->in_value = false;
        if (r->field.len == 0)
                goto done;

        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
        while (vl > 0 && (*v == ' ' || *v == '\t'))
                v++, vl--;

        for (size_t i = 0; i < r->n_headers; i++) {
                char *joined;

                if (strcasecmp(r->headers[i].name, r->field.data) != 0)
                        continue;
                if (asprintf(&joined, "%s, %.*s", r->headers[i].value, (int) vl, v) < 0)
                        return fail(c, 500, "out of memory");
                free(r->headers[i].value);
                r->headers[i].value = joined;
                goto done;
        }

        if (r->n_headers >= KSHIM_HTTP_MAX_HEADERS)
                return fail(c, 431, "too many request header fields");

        NameValue *nv = reallocarray(r->headers, r->n_headers + 1, sizeof(NameValue));
        if (!nv)
                return fail(c, 500, "out of memory");
        r->headers = nv;
        nv[r->n_headers].name = strdup(r->field.data);
        nv[r->n_headers].value = strndup(v, vl);
        if (!nv[r->n_headers].name || !nv[r->n_headers].value) {
                free(nv[r->n_headers].name);
                free(nv[r->n_headers].value);
                return fail(c, 500, "out of memory");
        }
        r->n_headers++;
done:
        r->field.len = r->value.len = 0;
        return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n) {
        HttpConnection *c = p->data;
        HttpRequest *r = c->req;

        if (r->in_value && header_commit(c) < 0)
                return -1;
        /* ": " and CRLF count too, once per field (a name may arrive in several pieces) */
        if (count_header_bytes(c, r->field.len == 0 ? n + 4 : n) < 0)
                return -1;
        if (buf_append(&r->field, at, n) < 0)
                return fail(c, 500, "out of memory");
        return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n) {
        HttpConnection *c = p->data;
        HttpRequest *r = c->req;

        if (count_header_bytes(c, n) < 0)
                return -1;
        r->in_value = true;
        if (buf_append(&r->value, at, n) < 0)
                return fail(c, 500, "out of memory");
        return 0;
}

static int on_headers_complete(http_parser *p) {
        HttpConnection *c = p->data;
        HttpRequest *r = c->req;
        const char *expect;
        bool has_body;
        int k;

        if ((r->in_value || r->field.len > 0) && header_commit(c) < 0)
                return -1;
        buf_done(&r->field);
        buf_done(&r->value);

        r->method = http_method_str(p->method);
        r->head = p->method == HTTP_HEAD;
        r->http_major = p->http_major;
        r->http_minor = p->http_minor;
        r->keep_alive = http_should_keep_alive(p);
        r->upgrade = p->upgrade;

        k = request_parse_url(r, p->method == HTTP_CONNECT);
        if (k == -ENOMEM)
                return fail(c, 500, "out of memory");
        if (k < 0)
                return fail(c, 400, "invalid request URI");

        if ((p->flags & F_CONTENTLENGTH) && p->content_length > KSHIM_HTTP_MAX_BODY_BYTES)
                return fail(c, 413, "the request body is too large");

        has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENTLENGTH) && p->content_length > 0);
        expect = http_request_header(r, "Expect");
        if (expect && strcasecmp(expect, "100-continue") == 0 && has_body &&
            (r->http_major > 1 || (r->http_major == 1 && r->http_minor >= 1)))
                (void) connection_write_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
        return 0;
}

static int on_body(http_parser *p, const char *at, size_t n) {
        HttpConnection *c = p->data;
        HttpRequest *r = c->req;

        if (r->body.len + n > KSHIM_HTTP_MAX_BODY_BYTES)
                return fail(c, 413, "the request body is too large");
        if (buf_append(&r->body, at, n) < 0)
                return fail(c, 500, "out of memory");
        return 0;
}

static int on_message_complete(http_parser *p) {
        HttpConnection *c = p->data;

        c->message_complete = true;
        /* One request at a time: stop here, the rest of the input waits for the answer. */
        http_parser_pause(p, 1);
        return 0;
}

static const http_parser_settings parser_settings = {
        .on_message_begin = on_message_begin,
        .on_url = on_url,
        .on_header_field = on_header_field,
        .on_header_value = on_header_value,
        .on_headers_complete = on_headers_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
};

/* ---- request processing ---- */

/* Answer a protocol error with a Status body and close the connection. */
static void connection_fail(HttpConnection *c, int code, const char *message) {
        _cleanup_free_ char *body = NULL;
        char date[32], head[256];
        size_t len = 0;
        int n;

        if (c->req && !request_outstanding(c->req)) {
                request_free(c->req);
                c->req = NULL;
        }
        c->close_after = true;
        if (c->dead)
                return;

        body = status_json(code, message, &len);
        format_http_date(date);
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     code, status_phrase(code), date, body ? len : 0);
        struct iovec iov[2] = {
                { .iov_base = head, .iov_len = (size_t) MAX(n, 0) },
                { .iov_base = body, .iov_len = body ? len : 0 },
        };
        (void) connection_write(c, iov, 2);
}

static int status_for_parser_error(enum http_errno e) {
        return e == HPE_HEADER_OVERFLOW ? 431 : 400;
}

static void connection_dispatch(HttpConnection *c) {
        HttpServer *s = c->server;
        HttpRequest *r = c->req;
        int k;

        if (!r->body.data && buf_append(&r->body, "", 0) < 0) {
                connection_fail(c, 500, "out of memory");
                return;
        }
        r->state = REQUEST_PENDING;
        r->start_usec = now_usec(CLOCK_MONOTONIC);
        if (r->upgrade)
                r->keep_alive = false; /* the parser cannot continue after an upgrade request */
        if (c->timer)
                (void) sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);

        k = s->handler(r, s->userdata);
        if (k >= 0 || c->req != r)
                return;

        /* The handler failed and did not answer (or is in the middle of a stream). */
        log_debug_errno(k, "http: handler for %s '%s' failed: %m", r->method, strempty(r->path));
        r->keep_alive = false;
        if (r->state == REQUEST_PENDING) {
                _cleanup_free_ char *body = NULL;
                size_t len = 0;

                body = status_json(500, "Internal error occurred: request handler failed", &len);
                (void) http_reply(r, 500, "application/json", NULL, body ?: "", body ? len : 0);
        } else if (r->state == REQUEST_STREAMING)
                (void) http_stream_end(r);
}

/* Parse buffered input until a request is outstanding, the input is used up, or the connection ends. */
static void connection_process_input(HttpConnection *c) {
        while (!c->dead && !c->close_after && c->in.len > 0 && !connection_busy(c)) {
                enum http_errno e;
                size_t n;

                c->message_complete = false;
                c->fail_code = 0;
                n = http_parser_execute(&c->parser, &parser_settings, c->in.data, c->in.len);
                e = HTTP_PARSER_ERRNO(&c->parser);
                buf_consume(&c->in, n);

                if (c->message_complete) {
                        if (e == HPE_PAUSED)
                                http_parser_pause(&c->parser, 0);
                        connection_dispatch(c);
                        continue;
                }
                if (e != HPE_OK) {
                        if (c->fail_code > 0)
                                connection_fail(c, c->fail_code, c->fail_message);
                        else
                                connection_fail(c, status_for_parser_error(e), http_errno_description(e));
                        return;
                }
                if (n == 0)
                        break;
        }
}

/* ---- connection lifecycle ---- */

static int on_connection_timer(sd_event_source *es, uint64_t usec, void *userdata);

static void connection_arm_timer(HttpConnection *c, uint64_t usec) {
        uint64_t now;

        if (!c->timer || c->server->event == NULL)
                return;
        if (sd_event_now(c->server->event, CLOCK_MONOTONIC, &now) < 0)
                now = now_usec(CLOCK_MONOTONIC);
        (void) sd_event_source_set_time(c->timer, now + usec);
        (void) sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

static void connection_schedule(HttpConnection *c) {
        if (c->defer)
                (void) sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
}

static void connection_update_events(HttpConnection *c) {
        uint32_t ev = 0;

        if (!c->io)
                return;
        if (c->lingering)
                ev = EPOLLIN | EPOLLRDHUP;
        else {
                if (!c->read_eof) {
                        ev |= EPOLLRDHUP;
                        if (!c->close_after && (!connection_busy(c) || c->in.len < HTTP_INPUT_CAP))
                                ev |= EPOLLIN;
                }
                if (connection_pending(c) > 0)
                        ev |= EPOLLOUT;
        }
        (void) sd_event_source_set_io_events(c->io, ev);
}

void http_connection_free(HttpConnection *c) {
        HttpServer *s;

        if (!c)
                return;
        s = c->server;

        if (c->req)
                request_abort(c->req);

        if (c->prev)
                c->prev->next = c->next;
        else if (s->connections == c)
                s->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        if (c->fd >= 0)
                s->n_connections--;

        c->io = sd_event_source_disable_unref(c->io);
        c->timer = sd_event_source_disable_unref(c->timer);
        c->defer = sd_event_source_disable_unref(c->defer);
        c->fd = safe_close(c->fd);
        buf_done(&c->in);
        buf_done(&c->out);
        free(c);
}

/* Decide what happens next after input, output or an answer. May free c. */
static void connection_process(HttpConnection *c) {
        if (c->lingering) {
                if (c->dead || c->read_eof)
                        http_connection_free(c);
                else
                        connection_update_events(c);
                return;
        }

        connection_process_input(c);

        if (c->read_eof && !c->dead) {
                if (request_outstanding(c->req)) {
                        log_debug("http: client closed the connection during %s '%s'", c->req->method,
                                  strempty(c->req->path));
                        c->dead = true;
                } else if (c->req) /* half a request, never to be completed */
                        c->dead = true;
                else
                        c->close_after = true;
        }

        if (!c->dead)
                (void) connection_flush(c);

        if (c->dead) {
                http_connection_free(c);
                return;
        }

        if (c->close_after && !request_outstanding(c->req) && connection_pending(c) == 0) {
                /* Everything answered: half-close and read what the client still sends, so the
                 * kernel does not reset the connection before the client has read our answer. */
                if (c->read_eof || shutdown(c->fd, SHUT_WR) < 0) {
                        http_connection_free(c);
                        return;
                }
                c->lingering = true;
                connection_arm_timer(c, HTTP_LINGER_USEC);
        }

        connection_update_events(c);
}

static int on_connection_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        HttpConnection *c = userdata;
        size_t budget = HTTP_READ_BUDGET;
        char chunk[HTTP_READ_CHUNK];

        if (revents & (EPOLLERR | EPOLLHUP)) {
                if (!c->lingering)
                        log_debug("http: connection error/hangup");
                c->dead = true;
                connection_process(c);
                return 0;
        }

        if (revents & EPOLLIN) {
                while (budget > 0) {
                        ssize_t n;

                        if (c->lingering) {
                                n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
                                if (n == 0)
                                        c->read_eof = true;
                                if (n <= 0)
                                        break;
                                budget -= MIN(budget, (size_t) n);
                                continue;
                        }

                        if (c->read_eof || c->close_after ||
                            (connection_busy(c) && c->in.len >= HTTP_INPUT_CAP))
                                break;
                        n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                if (errno != EAGAIN) {
                                        log_debug_errno(errno, "http: recv failed: %m");
                                        c->dead = true;
                                }
                                break;
                        }
                        if (n == 0) {
                                c->read_eof = true;
                                break;
                        }
                        if (buf_append(&c->in, chunk, (size_t) n) < 0) {
                                c->dead = true;
                                break;
                        }
                        budget -= MIN(budget, (size_t) n);

                        /* Parse as we go, so limits apply before much is buffered. */
                        connection_process_input(c);
                }
                /* Idle connections keep no input buffer. */
                if (c->in.len == 0)
                        buf_done(&c->in);
        }

        /* Peer shut down its side; with no readable data left (or not reading) that is EOF. */
        if ((revents & EPOLLRDHUP) && !(revents & EPOLLIN))
                c->read_eof = true;

        if ((revents & EPOLLOUT) && !c->dead)
                (void) connection_flush(c);

        connection_process(c);
        return 0;
}

static int on_connection_defer(sd_event_source *es, void *userdata) {
        connection_process(userdata);
        return 0;
}

static int on_connection_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        HttpConnection *c = userdata;

        if (request_outstanding(c->req))
                return 0; /* answers and streams have no deadline here */
        if (!c->lingering)
                log_debug("http: closing idle connection");
        http_connection_free(c);
        return 0;
}

static int connection_new(HttpServer *s, int fd, HttpConnection **ret) {
        HttpConnection *c;
        int r;

        c = calloc(1, sizeof(HttpConnection));
        if (!c)
                return -ENOMEM;
        c->server = s;
        c->fd = fd;
        http_parser_init(&c->parser, HTTP_REQUEST);
        c->parser.data = c;

        c->next = s->connections;
        if (c->next)
                c->next->prev = c;
        s->connections = c;
        if (fd >= 0)
                s->n_connections++;

        if (fd >= 0) {
                r = sd_event_add_io(s->event, &c->io, fd, EPOLLIN | EPOLLRDHUP, on_connection_io, c);
                if (r < 0)
                        goto fail;
                r = sd_event_add_time(s->event, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 0,
                                      on_connection_timer, c);
                if (r < 0)
                        goto fail;
                connection_arm_timer(c, s->idle_timeout_usec);

                /* Detached connections get no defer source: their owner frees them, never the loop. */
                r = sd_event_add_defer(s->event, &c->defer, on_connection_defer, c);
                if (r < 0)
                        goto fail;
                (void) sd_event_source_set_enabled(c->defer, SD_EVENT_OFF);
        }

        *ret = c;
        return 0;
fail:
        c->fd = -1; /* the caller closes it */
        s->n_connections -= fd >= 0;
        c->server = s;
        http_connection_free(c);
        return r;
}

/* ---- detached connections (fuzzer, tests) ---- */

int http_connection_new_detached(HttpServer *s, HttpConnection **ret) {
        if (!s || !ret)
                return -EINVAL;
        return connection_new(s, -1, ret);
}

int http_connection_feed(HttpConnection *c, const void *data, size_t len) {
        if (!c)
                return -EINVAL;
        if (c->dead || c->close_after)
                return -ECONNRESET;
        if (buf_append(&c->in, data, len) < 0)
                return -ENOMEM;
        connection_process_input(c);
        return c->dead || c->close_after ? -ECONNRESET : 0;
}

const char *http_connection_output(HttpConnection *c, size_t *ret_len) {
        if (ret_len)
                *ret_len = connection_pending(c);
        return c->out.data ? c->out.data + c->out_off : "";
}

void http_connection_output_clear(HttpConnection *c) {
        c->out.len = c->out_off = 0;
}

/* ---- server ---- */

static int on_accept_retry(sd_event_source *es, uint64_t usec, void *userdata) {
        HttpServer *s = userdata;

        for (size_t i = 0; i < s->n_listeners; i++)
                (void) sd_event_source_set_enabled(s->listeners[i].source, SD_EVENT_ON);
        return 0;
}

static void server_pause_accept(HttpServer *s) {
        uint64_t now;
        int r;

        for (size_t i = 0; i < s->n_listeners; i++)
                (void) sd_event_source_set_enabled(s->listeners[i].source, SD_EVENT_OFF);
        if (sd_event_now(s->event, CLOCK_MONOTONIC, &now) < 0)
                now = now_usec(CLOCK_MONOTONIC);
        if (!s->accept_retry) {
                r = sd_event_add_time(s->event, &s->accept_retry, CLOCK_MONOTONIC,
                                      now + HTTP_ACCEPT_RETRY_USEC, 0, on_accept_retry, s);
                if (r < 0) /* cannot pause safely: keep accepting */
                        (void) on_accept_retry(NULL, 0, s);
                return;
        }
        (void) sd_event_source_set_time(s->accept_retry, now + HTTP_ACCEPT_RETRY_USEC);
        (void) sd_event_source_set_enabled(s->accept_retry, SD_EVENT_ONESHOT);
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        HttpServer *s = userdata;

        for (unsigned i = 0; i < HTTP_ACCEPT_BATCH; i++) {
                HttpConnection *c;
                int cfd, one = 1, r;

                cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno == EAGAIN)
                                break;
                        if (IN_SET_ERRNO_RESOURCE(errno)) {
                                log_debug_errno(errno, "http: accept failed, pausing 100 ms: %m");
                                server_pause_accept(s);
                                break;
                        }
                        log_debug_errno(errno, "http: accept failed, ignoring: %m");
                        continue;
                }
                if (s->n_connections >= s->max_connections) {
                        log_debug("http: %u connections open, refusing a new one", s->n_connections);
                        safe_close(cfd);
                        continue;
                }
                (void) setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* fails on AF_UNIX */

                r = connection_new(s, cfd, &c);
                if (r < 0) {
                        log_debug_errno(r, "http: cannot set up connection: %m");
                        safe_close(cfd);
                }
        }
        return 0;
}

int http_server_new(sd_event *e, http_handler_t handler, void *userdata, HttpServer **ret) {
        HttpServer *s;

        if (!e || !handler || !ret)
                return -EINVAL;
        s = calloc(1, sizeof(HttpServer));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        s->handler = handler;
        s->userdata = userdata;
        s->max_connections = KSHIM_HTTP_MAX_CONNECTIONS;
        s->idle_timeout_usec = KSHIM_HTTP_IDLE_TIMEOUT_USEC;
        *ret = s;
        return 0;
}

void http_server_set_max_connections(HttpServer *s, unsigned n) {
        if (s)
                s->max_connections = MIN(n, KSHIM_HTTP_MAX_CONNECTIONS);
}

void http_server_set_idle_timeout(HttpServer *s, uint64_t usec) {
        if (s && usec > 0)
                s->idle_timeout_usec = MIN(usec, (uint64_t) KSHIM_HTTP_IDLE_TIMEOUT_USEC);
}

typedef union SockaddrUnion {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
} SockaddrUnion;

/* "127.0.0.1:8080", "[::1]:8080" */
static int parse_listen_address(const char *address, SockaddrUnion *ret, socklen_t *ret_len) {
        _cleanup_free_ char *host = NULL;
        const char *port_str;
        unsigned long port;
        char *end;

        if (!address)
                return -EINVAL;
        if (address[0] == '[') {
                const char *close = strchr(address, ']');

                if (!close || close[1] != ':')
                        return -EINVAL;
                host = strndup(address + 1, (size_t) (close - address - 1));
                port_str = close + 2;
        } else {
                const char *colon = strrchr(address, ':');

                if (!colon || memchr(address, ':', (size_t) (colon - address)))
                        return -EINVAL;
                host = strndup(address, (size_t) (colon - address));
                port_str = colon + 1;
        }
        if (!host)
                return -ENOMEM;

        errno = 0;
        port = strtoul(port_str, &end, 10);
        if (errno != 0 || end == port_str || *end || port > 65535 || port_str[0] == '-' || port_str[0] == '+')
                return -EINVAL;

        memset(ret, 0, sizeof(*ret));
        if (inet_pton(AF_INET, host, &ret->in.sin_addr) == 1) {
                ret->in.sin_family = AF_INET;
                ret->in.sin_port = htons((uint16_t) port);
                *ret_len = sizeof(ret->in);
                return 0;
        }
        if (inet_pton(AF_INET6, host, &ret->in6.sin6_addr) == 1) {
                ret->in6.sin6_family = AF_INET6;
                ret->in6.sin6_port = htons((uint16_t) port);
                *ret_len = sizeof(ret->in6);
                return 0;
        }
        return -EINVAL;
}

int http_server_add_fd(HttpServer *s, int fd) {
        int r;

        if (!s || fd < 0)
                return -EINVAL;
        if (s->n_listeners >= HTTP_MAX_LISTENERS)
                return -E2BIG;
        r = fcntl(fd, F_GETFL);
        if (r < 0)
                return -errno;
        if (!(r & O_NONBLOCK) && fcntl(fd, F_SETFL, r | O_NONBLOCK) < 0)
                return -errno;

        r = sd_event_add_io(s->event, &s->listeners[s->n_listeners].source, fd, EPOLLIN, on_accept, s);
        if (r < 0)
                return r;
        s->listeners[s->n_listeners++].fd = fd;
        return 0;
}

int http_server_listen(HttpServer *s, const char *address) {
        _cleanup_close_ int fd = -1;
        SockaddrUnion sa;
        socklen_t salen;
        int one = 1, r;

        if (!s)
                return -EINVAL;
        r = parse_listen_address(address, &sa, &salen);
        if (r < 0)
                return r;

        fd = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return -errno;
        if (sa.sa.sa_family == AF_INET6)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, &sa.sa, salen) < 0)
                return -errno;
        if (listen(fd, SOMAXCONN) < 0)
                return -errno;

        r = http_server_add_fd(s, fd);
        if (r < 0)
                return r;
        TAKE_FD(fd);
        return 0;
}

uint16_t http_server_port(HttpServer *s) {
        SockaddrUnion sa;
        socklen_t salen = sizeof(sa);

        if (!s || s->n_listeners == 0)
                return 0;
        if (getsockname(s->listeners[0].fd, &sa.sa, &salen) < 0)
                return 0;
        if (sa.sa.sa_family == AF_INET)
                return ntohs(sa.in.sin_port);
        if (sa.sa.sa_family == AF_INET6)
                return ntohs(sa.in6.sin6_port);
        return 0;
}

unsigned http_server_n_connections(HttpServer *s) {
        return s ? s->n_connections : 0;
}

HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;

        while (s->connections)
                http_connection_free(s->connections);
        while (s->orphans)
                request_free(s->orphans);
        for (size_t i = 0; i < s->n_listeners; i++) {
                s->listeners[i].source = sd_event_source_disable_unref(s->listeners[i].source);
                s->listeners[i].fd = safe_close(s->listeners[i].fd);
        }
        s->accept_retry = sd_event_source_disable_unref(s->accept_retry);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

/* ---- request accessors ---- */

const char *http_request_method(HttpRequest *r) {
        return r ? r->method : NULL;
}

const char *http_request_path(HttpRequest *r) {
        return r ? r->path : NULL;
}

const char *http_request_raw_path(HttpRequest *r) {
        return r ? r->raw_path : NULL;
}

const char *http_request_query(HttpRequest *r, const char *name) {
        if (!r || !name)
                return NULL;
        for (size_t i = 0; i < r->n_query; i++)
                if (streq(r->query[i].name, name))
                        return r->query[i].value;
        return NULL;
}

char **http_request_query_all(HttpRequest *r, const char *name) {
        char **v, ***l;
        size_t n = 0;

        if (!r || !name)
                return NULL;
        l = reallocarray(r->query_all, r->n_query_all + 1, sizeof(char **));
        if (!l)
                return NULL;
        r->query_all = l;
        v = calloc(r->n_query + 1, sizeof(char *));
        if (!v)
                return NULL;
        for (size_t i = 0; i < r->n_query; i++)
                if (streq(r->query[i].name, name))
                        v[n++] = r->query[i].value;
        r->query_all[r->n_query_all++] = v;
        return v;
}

const char *http_request_header(HttpRequest *r, const char *name) {
        if (!r || !name)
                return NULL;
        for (size_t i = 0; i < r->n_headers; i++)
                if (strcasecmp(r->headers[i].name, name) == 0)
                        return r->headers[i].value;
        return NULL;
}

const char *http_request_body(HttpRequest *r, size_t *ret_len) {
        if (ret_len)
                *ret_len = r ? r->body.len : 0;
        return r && r->body.data ? r->body.data : "";
}

void *http_request_get_userdata(HttpRequest *r) {
        return r ? r->userdata : NULL;
}

void http_request_set_userdata(HttpRequest *r, void *userdata) {
        if (r)
                r->userdata = userdata;
}

void http_request_set_abort_handler(HttpRequest *r, http_abort_t on_abort, void *userdata) {
        if (!r)
                return;
        r->on_abort = on_abort;
        r->abort_userdata = userdata;
}

uint64_t http_request_start_usec(HttpRequest *r) {
        return r ? r->start_usec : 0;
}

int http_request_add_response_header(HttpRequest *r, const char *header_line) {
        char **l, *d;

        if (!r || !header_line_valid(header_line))
                return -EINVAL;
        l = reallocarray(r->response_headers, r->n_response_headers + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        r->response_headers = l;
        d = strdup(header_line);
        if (!d)
                return -ENOMEM;
        r->response_headers[r->n_response_headers++] = d;
        return 0;
}

/* ---- answers ---- */

/* The request is answered: free it, keep the connection for the next one or close it. */
static void request_finish(HttpRequest *r) {
        HttpConnection *c = r->conn;

        if (!request_keeps_alive(r))
                c->close_after = true;
        c->req = NULL;
        request_free(r);
        /* Also when closing: a client that never reads the rest of the answer is dropped eventually. */
        connection_arm_timer(c, c->server->idle_timeout_usec);
        connection_schedule(c);
}

/* Common entry checks. Returns 1 if the caller should go on, else the value to return. */
static int request_check_answerable(HttpRequest *r, RequestState expected) {
        /* only used for answers that start a response (expected == REQUEST_PENDING) */
        if (!r)
                return -EINVAL;
        if (r->state == REQUEST_ABORTING)
                return -ECONNRESET;
        if (r->state == REQUEST_ORPHANED) {
                /* Late answer after the client left: this is where an orphan is freed. */
                request_free(r);
                return -ECONNRESET;
        }
        if (r->state != expected)
                return -EBUSY;
        return 1;
}

int http_reply(HttpRequest *r, int code, const char *content_type, const char *const *headers,
               const void *body, size_t len) {
        _cleanup_(buf_done) Buf head = {};
        HttpConnection *c;
        int k;

        k = request_check_answerable(r, REQUEST_PENDING);
        if (k <= 0)
                return k;
        c = r->conn;

        bool valid = code_valid(code) && code >= 200;
        for (const char *const *h = headers; valid && h && *h; h++)
                valid = header_line_valid(*h);
        if (!valid) {
                _cleanup_free_ char *b = NULL;
                size_t bl = 0;

                log_debug("http: invalid answer (code %d or a header line) for '%s'", code,
                          strempty(r->path));
                b = status_json(500, "Internal error occurred: invalid response", &bl);
                r->keep_alive = false;
                (void) http_reply(r, 500, "application/json", NULL, b ?: "", b ? bl : 0);
                return -EINVAL;
        }

        if (!body)
                len = 0;
        k = build_head(&head, r, code, content_type, headers, FRAMING_LENGTH, len);
        if (k < 0) {
                r->keep_alive = false;
                c->dead = true;
                request_finish(r);
                return k;
        }

        struct iovec iov[2] = {
                { .iov_base = head.data, .iov_len = head.len },
                { .iov_base = (void *) body, .iov_len = r->head || !code_has_body(code) ? 0 : len },
        };
        (void) connection_write(c, iov, 2); /* failures close the connection, the answer is done */
        request_finish(r);
        return 0;
}

int http_reply_json(HttpRequest *r, int code, json_object *o, const char *const *headers) {
        const char *s;
        size_t len = 0;

        if (!r)
                return -EINVAL;
        s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        if (!s) {
                s = "null";
                len = 4;
        }
        return http_reply(r, code, "application/json", headers, s, len);
}

int http_stream_begin(HttpRequest *r, int code, const char *content_type, const char *const *headers) {
        _cleanup_(buf_done) Buf head = {};
        HttpConnection *c;
        Framing framing;
        int k;

        k = request_check_answerable(r, REQUEST_PENDING);
        if (k <= 0)
                return k;
        c = r->conn;

        bool valid = code_valid(code) && code_has_body(code);
        for (const char *const *h = headers; valid && h && *h; h++)
                valid = header_line_valid(*h);
        if (!valid) {
                /* same as http_reply(): the request is consumed with a 500 */
                (void) http_reply(r, 0, NULL, NULL, NULL, 0);
                return -EINVAL;
        }

        if (r->http_major == 1 && r->http_minor == 0) {
                /* HTTP/1.0 knows no chunked encoding: the body ends when the connection does. */
                framing = FRAMING_CLOSE;
                r->keep_alive = false;
        } else
                framing = FRAMING_CHUNKED;

        k = build_head(&head, r, code, content_type, headers, framing, 0);
        if (k < 0) {
                r->keep_alive = false;
                c->dead = true;
                request_finish(r);
                return k;
        }
        r->chunked_response = framing == FRAMING_CHUNKED;
        r->state = REQUEST_STREAMING;
        (void) connection_write(c, &(struct iovec) { .iov_base = head.data, .iov_len = head.len }, 1);
        return 0;
}

int http_stream_write(HttpRequest *r, const void *data, size_t len) {
        HttpConnection *c;
        char prefix[32];
        int n;

        if (!r)
                return -EINVAL;
        if (r->state == REQUEST_ABORTING || r->state == REQUEST_ORPHANED)
                return -ECONNRESET; /* an orphaned stream is freed by http_stream_end() */
        if (r->state != REQUEST_STREAMING)
                return -EBUSY;
        c = r->conn;
        if (c->dead)
                return -ECONNRESET;
        if (len == 0 || r->head)
                return 0;
        if (connection_pending(c) + len > KSHIM_HTTP_MAX_OUTPUT_BUFFER) {
                log_debug("http: client of '%s' does not keep up (%zu bytes queued), dropping it",
                          strempty(r->path), connection_pending(c));
                connection_kill(c);
                return -ENOBUFS;
        }

        if (!r->chunked_response)
                return connection_write(c, &(struct iovec) { .iov_base = (void *) data, .iov_len = len }, 1);

        n = snprintf(prefix, sizeof(prefix), "%zx\r\n", len);
        struct iovec iov[3] = {
                { .iov_base = prefix, .iov_len = (size_t) n },
                { .iov_base = (void *) data, .iov_len = len },
                { .iov_base = (char *) "\r\n", .iov_len = 2 },
        };
        return connection_write(c, iov, 3);
}

size_t http_stream_pending_bytes(HttpRequest *r) {
        return r && r->conn ? connection_pending(r->conn) : 0;
}

int http_stream_end(HttpRequest *r) {
        HttpConnection *c;

        if (!r)
                return -EINVAL;
        if (r->state == REQUEST_ABORTING)
                return -ECONNRESET;
        if (r->state == REQUEST_ORPHANED) {
                request_free(r);
                return -ECONNRESET;
        }
        if (r->state != REQUEST_STREAMING)
                return -EBUSY;
        c = r->conn;
        if (r->chunked_response && !r->head)
                (void) connection_write_str(c, "0\r\n\r\n");
        else if (!r->chunked_response)
                r->keep_alive = false;
        request_finish(r);
        return 0;
}
