/* SPDX-License-Identifier: Apache-2.0 */

/*
 * ApiClient against a tiny HTTP server living in the same sd-event loop (127.0.0.1, ephemeral port):
 * plain requests (status, parsed body, request body sent), and list+watch (events split across
 * writes, BOOKMARK advancing the resourceVersion, resume from it after the stream ends, relist on 410).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apiclient.h"
#include "json-util.h"

typedef struct Server {
        sd_event *event;
        int fd;
        int port;
        char *requests[32];     /* request lines seen, in order */
        size_t n_requests;
        char *last_body;
        unsigned lists, watches;
} Server;

typedef struct Conn {
        Server *server;
        char buf[8192];
        size_t len;
} Conn;

static void write_all(int fd, const char *s) {
        size_t l = strlen(s);
        while (l > 0) {
                ssize_t k = write(fd, s, l);
                assert_true(k > 0);
                s += k;
                l -= (size_t) k;
        }
}

static void reply(int fd, int code, const char *body) {
        char head[256];
        snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n", code, strlen(body));
        write_all(fd, head);
        write_all(fd, body);
}

static void handle(Server *srv, int fd, const char *req) {
        const char *line_end = strstr(req, "\r\n");
        char *line = strndup(req, line_end - req);
        const char *body = strstr(req, "\r\n\r\n") + 4;

        assert_true(srv->n_requests < ELEMENTSOF(srv->requests));
        srv->requests[srv->n_requests++] = line;

        if (strncmp(line, "POST /things ", 13) == 0) {
                free(srv->last_body);
                srv->last_body = strdup(body);
                reply(fd, 201, "{\"kind\":\"Thing\",\"ok\":true}");
        } else if (strncmp(line, "GET /missing ", 13) == 0)
                reply(fd, 404, "{\"kind\":\"Status\",\"code\":404}");
        else if (strstr(line, "watch=1")) {
                srv->watches++;
                write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
                if (srv->watches == 1) {
                        /* an event split across two writes, a bookmark, another event; then the stream ends */
                        write_all(fd, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":\"b\",");
                        write_all(fd, "\"resourceVersion\":\"6\"}}}\n{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":"
                                      "{\"resourceVersion\":\"7\"}}}\n");
                        write_all(fd, "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"uid\":\"a\"}}}\n");
                } else if (srv->watches == 2)
                        write_all(fd, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410}}\n");
                else
                        write_all(fd, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"uid\":\"c\","
                                      "\"resourceVersion\":\"21\"}}}\n");
        } else if (strncmp(line, "GET /list", 9) == 0) {
                srv->lists++;
                reply(fd, 200, srv->lists == 1
                                       ? "{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[{\"metadata\":{\"uid\":\"a\"}}]}"
                                       : "{\"metadata\":{\"resourceVersion\":\"20\"},\"items\":[]}");
        } else
                reply(fd, 500, "{}");
}

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Conn *c = userdata;
        ssize_t k = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
        if (k > 0) {
                c->len += (size_t) k;
                c->buf[c->len] = 0;
                char *end = strstr(c->buf, "\r\n\r\n");
                if (!end)
                        return 0;
                const char *cl = strcasestr(c->buf, "Content-Length:");
                size_t want = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
                if (c->len < (size_t) (end + 4 - c->buf) + want)
                        return 0;
                handle(c->server, fd, c->buf);
        }
        /* one request per connection; closing ends a watch stream */
        sd_event_source_disable_unref(s);
        close(fd);
        free(c);
        return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Server *srv = userdata;
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        assert_true(cfd >= 0);
        Conn *c = calloc(1, sizeof(Conn));
        c->server = srv;
        assert_int_equal(sd_event_add_io(srv->event, NULL, cfd, EPOLLIN, on_conn, c), 0);
        return 0;
}

static void server_start(Server *srv, sd_event *e) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t l = sizeof(a);
        *srv = (Server) { .event = e };
        srv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(srv->fd >= 0);
        assert_int_equal(bind(srv->fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(srv->fd, 16), 0);
        assert_int_equal(getsockname(srv->fd, (struct sockaddr *) &a, &l), 0);
        srv->port = ntohs(a.sin_port);
        assert_int_equal(sd_event_add_io(e, NULL, srv->fd, EPOLLIN, on_accept, srv), 0);
}

static void server_done(Server *srv) {
        for (size_t i = 0; i < srv->n_requests; i++)
                free(srv->requests[i]);
        free(srv->last_body);
        close(srv->fd);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        fail_msg("test timed out");
        return 0;
}

static sd_event *new_loop(void) {
        sd_event *e = NULL;
        uint64_t now;
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(sd_event_now(e, CLOCK_MONOTONIC, &now), 1);
        assert_int_equal(sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now + 20 * 1000000ULL, 0, on_timeout, NULL), 0);
        return e;
}

static char *server_url(const Server *srv) {
        char *u;
        assert_true(asprintf(&u, "http://127.0.0.1:%d/", srv->port) > 0); /* trailing '/' is dropped */
        return u;
}

/* ---- plain requests ---- */

typedef struct Result {
        int done;
        long status[2];
        bool ok_body;
} Result;

static void on_post(ApiClient *c, long status, json_object *body, void *userdata) {
        Result *r = userdata;
        r->status[0] = status;
        r->ok_body = json_get_bool(body, "ok", false);
        r->done++;
}

static void on_missing(ApiClient *c, long status, json_object *body, void *userdata) {
        Result *r = userdata;
        r->status[1] = status;
        assert_int_equal(json_get_int(body, "code", 0), 404);
        r->done++;
}

static int on_check_done(sd_event_source *s, uint64_t usec, void *userdata) {
        Result *r = userdata;
        if (r->done == 2)
                return sd_event_exit(sd_event_source_get_event(s), 0);
        (void) sd_event_source_set_time(s, usec + 10000);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static void test_requests(void **state) {
        sd_event *e = new_loop();
        Server srv;
        ApiClient *c = NULL;
        Result res = {};
        uint64_t now;

        server_start(&srv, e);
        _cleanup_free_ char *url = server_url(&srv);
        assert_int_equal(api_client_new(e, url, &c), 0);

        _cleanup_(json_object_putp) json_object *body = json_object_new_object();
        json_object_object_add(body, "name", json_object_new_string("x"));
        assert_int_equal(api_request(c, "POST", "/things", NULL, body, on_post, &res), 0);
        assert_int_equal(api_request(c, "GET", "/missing", NULL, NULL, on_missing, &res), 0);
        assert_int_equal(api_client_pending(c), 2u);

        assert_int_equal(sd_event_now(e, CLOCK_MONOTONIC, &now), 1);
        assert_int_equal(sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now, 0, on_check_done, &res), 0);
        assert_int_equal(sd_event_loop(e), 0);

        assert_int_equal(res.status[0], 201);
        assert_true(res.ok_body);
        assert_int_equal(res.status[1], 404);
        assert_string_equal(srv.last_body, "{\"name\":\"x\"}");
        assert_int_equal(api_client_pending(c), 0u);

        api_client_free(c);
        server_done(&srv);
        sd_event_unref(e);
}

static void test_transport_error(void **state) {
        sd_event *e = new_loop();
        Server srv;
        ApiClient *c = NULL;
        Result res = { .done = 1 };
        uint64_t now;

        server_start(&srv, e);
        _cleanup_free_ char *url = server_url(&srv);
        close(srv.fd); /* nobody listens on the port any more */
        srv.fd = -1;
        assert_int_equal(api_client_new(e, url, &c), 0);
        assert_int_equal(api_request(c, "POST", "/things", NULL, NULL, on_post, &res), 0);
        assert_int_equal(sd_event_now(e, CLOCK_MONOTONIC, &now), 1);
        assert_int_equal(sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now, 0, on_check_done, &res), 0);
        assert_int_equal(sd_event_loop(e), 0);
        assert_int_equal(res.status[0], -ECONNREFUSED);
        api_client_free(c);
        server_done(&srv);
        sd_event_unref(e);
}

/* ---- list + watch ---- */

typedef struct WatchLog {
        char log[512];
        Server *srv;
} WatchLog;

static void wl_append(WatchLog *w, const char *s) {
        strncat(w->log, s, sizeof(w->log) - strlen(w->log) - 1);
}

static void on_list(ApiWatch *w, json_object *items, void *userdata) {
        WatchLog *l = userdata;
        char b[64];
        snprintf(b, sizeof(b), "LIST(%zu) ", json_object_array_length(items));
        wl_append(l, b);
}

static void on_event(ApiWatch *w, const char *type, json_object *obj, void *userdata) {
        WatchLog *l = userdata;
        char b[64];
        snprintf(b, sizeof(b), "%s:%s ", type, json_get_string(obj, "metadata.uid"));
        wl_append(l, b);
        if (streq(type, "MODIFIED"))
                sd_event_exit(l->srv->event, 0);
}

static void test_list_watch(void **state) {
        static const ApiWatchHandlers h = { .on_list = on_list, .on_event = on_event };
        sd_event *e = new_loop();
        Server srv;
        ApiClient *c = NULL;
        ApiWatch *w = NULL;
        WatchLog log = { .srv = &srv };

        server_start(&srv, e);
        _cleanup_free_ char *url = server_url(&srv);
        assert_int_equal(api_client_new(e, url, &c), 0);
        assert_int_equal(api_watch_new(c, "/list?fieldSelector=spec.nodeName%3Dn", &h, &log, &w), 0);
        assert_int_equal(sd_event_loop(e), 0);

        /* list, 2 events of the first stream (bookmark swallowed), 410 → relist, third stream */
        assert_string_equal(log.log, "LIST(1) ADDED:b DELETED:a LIST(0) MODIFIED:c ");
        assert_int_equal(srv.lists, 2u);
        assert_int_equal(srv.watches, 3u);
        /* the first watch starts at the list's RV, the second resumes from the bookmark, the third
         * (after the relist) from the new list's RV */
        size_t seen = 0;
        for (size_t i = 0; i < srv.n_requests; i++) {
                if (!strstr(srv.requests[i], "watch=1"))
                        continue;
                assert_non_null(strstr(srv.requests[i], "/list?fieldSelector=spec.nodeName%3Dn&watch=1&"));
                const char *want = seen == 0 ? "resourceVersion=5 " : seen == 1 ? "resourceVersion=7 " : "resourceVersion=20 ";
                assert_non_null(strstr(srv.requests[i], want));
                seen++;
        }
        assert_int_equal(seen, 3u);

        api_watch_free(w);
        api_client_free(c);
        server_done(&srv);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_requests),
                cmocka_unit_test(test_transport_error),
                cmocka_unit_test(test_list_watch),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
