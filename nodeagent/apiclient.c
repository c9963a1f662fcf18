/* SPDX-License-Identifier: Apache-2.0 */

/*
 * libcurl multi on sd-event. See apiclient.h for the contract.
 *
 * Ownership: each ApiRequest owns its CURL easy handle, header list, request body and response buffer.
 * It is freed after its callback ran (check_multi_info) or when the client is freed. A streaming
 * request (watch) belongs to its ApiWatch, which is told about completion through the same callback
 * path. Complete watch lines are collected during curl's write callback and dispatched from
 * dispatch_streams(), which runs after curl_multi_socket_action() returned: handlers may then add
 * new requests (libcurl forbids re-entering the multi handle from its own callbacks).
 */

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "apiclient.h"
#include "json-util.h"
#include "kshim-config.h"
#include "log.h"

#define REQUEST_TIMEOUT_MS 30000L
#define MAX_RESPONSE_BYTES (64u * 1024u * 1024u)
#define WATCH_BACKOFF_MIN_USEC (1000000ULL)
#define WATCH_BACKOFF_MAX_USEC (30000000ULL)
#define WATCH_TIMEOUT_SEC 300

typedef struct ApiRequest ApiRequest;

struct ApiRequest {
        ApiClient *client;
        CURL *easy;
        struct curl_slist *headers;
        char *body;
        char *url;
        char *buf;            /* response (or unconsumed stream bytes) */
        size_t len, cap;
        api_callback_t cb;
        void *userdata;
        ApiWatch *watch;      /* non-NULL for the watch stream */
        ApiRequest *prev, *next;
};

struct ApiClient {
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        char *server;
        ApiRequest *requests;
        unsigned n_requests;
        bool dispatching;
};

typedef enum WatchPhase {
        WATCH_IDLE,
        WATCH_LISTING,
        WATCH_STREAMING,
        WATCH_WAITING,
} WatchPhase;

struct ApiWatch {
        ApiClient *client;
        char *path;
        ApiWatchHandlers handlers;
        void *userdata;
        char *resource_version;
        WatchPhase phase;
        ApiRequest *stream;
        sd_event_source *retry;
        uint64_t backoff_usec;
        unsigned events_in_stream;
        uint64_t stream_started_usec;   /* CLOCK_MONOTONIC */
        bool relist;
};

/* A stream that ends (or says 410) within this time after it started counts as a failure: back off. */
#define WATCH_MIN_HEALTHY_USEC (1000000ULL)

static bool watch_stream_was_short(ApiWatch *w) {
        uint64_t now;
        if (sd_event_now(w->client->event, CLOCK_MONOTONIC, &now) < 0)
                return true;
        return now < w->stream_started_usec + WATCH_MIN_HEALTHY_USEC;
}

static void request_free(ApiRequest *r) {
        if (!r)
                return;
        if (r->easy) {
                curl_multi_remove_handle(r->client->multi, r->easy);
                curl_easy_cleanup(r->easy);
        }
        curl_slist_free_all(r->headers);
        free(r->body);
        free(r->url);
        free(r->buf);
        if (r->prev)
                r->prev->next = r->next;
        else if (r->client->requests == r)
                r->client->requests = r->next;
        if (r->next)
                r->next->prev = r->prev;
        r->client->n_requests--;
        free(r);
}

/* ---- sd-event glue ---- */

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);
static void check_multi_info(ApiClient *c);
static void dispatch_streams(ApiClient *c);
static void dispatch_lines(ApiRequest *r);

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        ApiClient *c = userp;
        sd_event_source *s = socketp;
        uint32_t events = 0;

        if (what == CURL_POLL_REMOVE) {
                if (s) {
                        sd_event_source_disable_unref(s);
                        curl_multi_assign(c->multi, fd, NULL);
                }
                return 0;
        }
        if (what & CURL_POLL_IN)
                events |= EPOLLIN;
        if (what & CURL_POLL_OUT)
                events |= EPOLLOUT;
        if (s) {
                if (sd_event_source_set_io_events(s, events) < 0)
                        return -1;
                return 0;
        }
        if (sd_event_add_io(c->event, &s, fd, events, on_io, c) < 0)
                return -1;
        (void) sd_event_source_set_description(s, "curl-io");
        curl_multi_assign(c->multi, fd, s);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        ApiClient *c = userdata;
        int running;
        curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_multi_info(c);
        dispatch_streams(c);
        return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        ApiClient *c = userp;
        uint64_t now;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        if (sd_event_now(c->event, CLOCK_MONOTONIC, &now) < 0)
                return -1;
        if (sd_event_source_set_time(c->timer, now + (uint64_t) timeout_ms * 1000) < 0 ||
            sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ApiClient *c = userdata;
        int action = 0, running;
        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        curl_multi_socket_action(c->multi, fd, action, &running);
        check_multi_info(c);
        dispatch_streams(c);
        return 0;
}

/* ---- requests ---- */

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
        ApiRequest *r = userdata;
        size_t n = size * nmemb;
        if (r->len + n + 1 > MAX_RESPONSE_BYTES)
                return 0; /* aborts the transfer */
        if (r->len + n + 1 > r->cap) {
                size_t cap = MAX(r->cap * 2, r->len + n + 1);
                char *b = realloc(r->buf, cap);
                if (!b)
                        return 0;
                r->buf = b;
                r->cap = cap;
        }
        memcpy(r->buf + r->len, ptr, n);
        r->len += n;
        r->buf[r->len] = 0;
        return n;
}

static void watch_stream_done(ApiWatch *w, long status);

static long curl_code_to_errno(CURLcode c) {
        switch (c) {
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
                return -EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_WRITE_ERROR:
                return -EFBIG; /* response over MAX_RESPONSE_BYTES */
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
                return -ECONNRESET;
        default:
                return -EIO;
        }
}

static const char *status_string(long status, char buf[static 32]) {
        if (status < 0)
                return strerror((int) -status);
        snprintf(buf, 32, "HTTP %ld", status);
        return buf;
}

static void check_multi_info(ApiClient *c) {
        CURLMsg *m;
        int left;

        while ((m = curl_multi_info_read(c->multi, &left))) {
                ApiRequest *r = NULL;
                long status = 0;

                if (m->msg != CURLMSG_DONE)
                        continue;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &r);
                if (!r)
                        continue;
                if (m->data.result != CURLE_OK) {
                        log_debug("%s: %s", r->url, curl_easy_strerror(m->data.result));
                        status = curl_code_to_errno(m->data.result);
                } else
                        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);

                if (r->watch) {
                        /* leftover stream bytes are dispatched first, then the stream ends */
                        ApiWatch *w = r->watch;
                        dispatch_lines(r);
                        w->stream = NULL;
                        request_free(r);
                        watch_stream_done(w, status);
                        continue;
                }

                _cleanup_(json_object_putp) json_object *body = NULL;
                if (r->len > 0)
                        (void) json_parse(r->buf, r->len, &body, NULL);
                api_callback_t cb = r->cb;
                void *ud = r->userdata;
                request_free(r);
                if (cb)
                        cb(c, status, body, ud);
        }
}

static ApiRequest *request_new(ApiClient *c, const char *method, const char *path, const char *content_type,
                               json_object *body) {
        ApiRequest *r = calloc(1, sizeof(ApiRequest));
        if (!r)
                return NULL;
        r->client = c;
        r->next = c->requests;
        if (c->requests)
                c->requests->prev = r;
        c->requests = r;
        c->n_requests++;

        if (asprintf(&r->url, "%s%s", c->server, path) < 0) {
                r->url = NULL;
                goto fail;
        }
        r->easy = curl_easy_init();
        if (!r->easy)
                goto fail;
        r->headers = curl_slist_append(NULL, "Accept: application/json");
        if (body) {
                _cleanup_free_ char *ct = NULL;
                if (asprintf(&ct, "Content-Type: %s", content_type ?: "application/json") < 0)
                        goto fail;
                r->headers = curl_slist_append(r->headers, ct);
                r->body = strdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
                if (!r->body)
                        goto fail;
        }
        r->headers = curl_slist_append(r->headers, "User-Agent: kshim-nodeagent/" KSHIM_VERSION);
        if (!r->headers)
                goto fail;

        curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
        curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
        curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
        curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
        if (streq(method, "HEAD"))
                curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L);
        if (r->body) {
                curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
                curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long) strlen(r->body));
        }
        return r;
fail:
        request_free(r);
        return NULL;
}

int api_request(ApiClient *c, const char *method, const char *path, const char *content_type, json_object *body,
                api_callback_t cb, void *userdata) {
        ApiRequest *r = request_new(c, method, path, content_type, body);
        if (!r)
                return -ENOMEM;
        r->cb = cb;
        r->userdata = userdata;
        curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, REQUEST_TIMEOUT_MS);
        if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
                request_free(r);
                return -EIO;
        }
        log_debug("%s %s", method, path);
        return 0;
}

unsigned api_client_pending(ApiClient *c) {
        return c ? c->n_requests : 0;
}

int api_client_new(sd_event *e, const char *server, ApiClient **ret) {
        _cleanup_(api_client_freep) ApiClient *c = NULL;
        static bool global_init = false;
        int r;

        if (!global_init) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return -EIO;
                global_init = true;
        }
        c = calloc(1, sizeof(ApiClient));
        if (!c)
                return -ENOMEM;
        c->event = sd_event_ref(e);
        c->server = strdup(server);
        if (!c->server)
                return -ENOMEM;
        /* no trailing '/': paths start with one */
        size_t l = strlen(c->server);
        while (l > 0 && c->server[l - 1] == '/')
                c->server[--l] = 0;
        c->multi = curl_multi_init();
        if (!c->multi)
                return -ENOMEM;
        r = sd_event_add_time(e, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(c->timer, "curl-timer");
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
        *ret = TAKE_PTR(c);
        return 0;
}

ApiClient *api_client_free(ApiClient *c) {
        if (!c)
                return NULL;
        while (c->requests) {
                if (c->requests->watch)
                        c->requests->watch->stream = NULL;
                request_free(c->requests);
        }
        if (c->multi)
                curl_multi_cleanup(c->multi);
        sd_event_source_disable_unref(c->timer);
        sd_event_unref(c->event);
        free(c->server);
        return mfree(c);
}

/* ---- list + watch ---- */

static int watch_start_list(ApiWatch *w);
static int watch_start_stream(ApiWatch *w);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        ApiWatch *w = userdata;
        w->retry = sd_event_source_disable_unref(w->retry);
        if (w->relist || !w->resource_version)
                (void) watch_start_list(w);
        else
                (void) watch_start_stream(w);
        return 0;
}

static void watch_schedule_retry(ApiWatch *w) {
        uint64_t now;
        w->phase = WATCH_WAITING;
        w->backoff_usec = w->backoff_usec ? MIN(w->backoff_usec * 2, WATCH_BACKOFF_MAX_USEC) : WATCH_BACKOFF_MIN_USEC;
        if (sd_event_now(w->client->event, CLOCK_MONOTONIC, &now) < 0)
                now = 0;
        w->retry = sd_event_source_disable_unref(w->retry);
        if (sd_event_add_time(w->client->event, &w->retry, CLOCK_MONOTONIC, now + w->backoff_usec, 0, on_retry, w) < 0)
                log_error("Cannot schedule watch retry for %s", w->path);
}

static void watch_set_rv(ApiWatch *w, const char *rv) {
        if (isempty(rv) || streq_ptr(rv, w->resource_version))
                return;
        char *c = strdup(rv);
        if (!c)
                return;
        free(w->resource_version);
        w->resource_version = c;
}

static void on_list_done(ApiClient *c, long status, json_object *body, void *userdata) {
        ApiWatch *w = userdata;
        json_object *items;

        if (status != 200 || !body) {
                char buf[32];
                log_warning("LIST %s: %s, retrying", w->path, status_string(status, buf));
                watch_schedule_retry(w);
                return;
        }
        items = json_get(body, "items");
        if (!json_object_is_type(items, json_type_array)) {
                log_warning("LIST %s: no items, retrying", w->path);
                watch_schedule_retry(w);
                return;
        }
        w->relist = false;
        watch_set_rv(w, json_get_string(body, "metadata.resourceVersion"));
        if (w->handlers.on_list)
                w->handlers.on_list(w, items, w->userdata);
        (void) watch_start_stream(w);
}

static int watch_start_list(ApiWatch *w) {
        w->phase = WATCH_LISTING;
        int r = api_request(w->client, "GET", w->path, NULL, NULL, on_list_done, w);
        if (r < 0) {
                watch_schedule_retry(w);
                return r;
        }
        return 0;
}

static int watch_start_stream(ApiWatch *w) {
        _cleanup_free_ char *path = NULL;
        const char *sep = strchr(w->path, '?') ? "&" : "?";

        if (asprintf(&path, "%s%swatch=1&allowWatchBookmarks=true&timeoutSeconds=%d&resourceVersion=%s", w->path, sep,
                     WATCH_TIMEOUT_SEC, strempty(w->resource_version)) < 0)
                return -ENOMEM;
        ApiRequest *r = request_new(w->client, "GET", path, NULL, NULL);
        if (!r) {
                watch_schedule_retry(w);
                return -ENOMEM;
        }
        r->watch = w;
        /* no total timeout; the server ends the stream after timeoutSeconds, and a dead peer is caught
         * by the low-speed limit (bookmarks/keepalive lines or a reconnect every few minutes) */
        curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long) (WATCH_TIMEOUT_SEC + 60) * 1000L);
        if (curl_multi_add_handle(w->client->multi, r->easy) != CURLM_OK) {
                request_free(r);
                watch_schedule_retry(w);
                return -EIO;
        }
        w->stream = r;
        w->phase = WATCH_STREAMING;
        w->events_in_stream = 0;
        if (sd_event_now(w->client->event, CLOCK_MONOTONIC, &w->stream_started_usec) < 0)
                w->stream_started_usec = 0;
        log_debug("WATCH %s from %s", w->path, strempty(w->resource_version));
        return 0;
}

static void watch_handle_line(ApiWatch *w, const char *line, size_t len) {
        _cleanup_(json_object_putp) json_object *ev = NULL;
        _cleanup_free_ char *err = NULL;

        if (json_parse(line, len, &ev, &err) < 0 || !ev) {
                log_warning("WATCH %s: bad event line: %s", w->path, strempty(err));
                return;
        }
        const char *type = json_get_string(ev, "type");
        json_object *obj = json_get(ev, "object");
        if (!type || !obj)
                return;
        w->events_in_stream++;
        if (streq(type, "ERROR")) {
                int64_t code = json_get_int(obj, "code", 0);
                log_info("WATCH %s: ERROR event %" PRIi64 " (%s)%s", w->path, code,
                         strempty(json_get_string(obj, "message")), code == 410 ? ", relisting" : "");
                if (code == 410) {
                        w->relist = true;
                        w->resource_version = mfree(w->resource_version);
                }
                return;
        }
        watch_set_rv(w, json_get_string(obj, "metadata.resourceVersion"));
        if (streq(type, "BOOKMARK"))
                return;
        if (w->handlers.on_event)
                w->handlers.on_event(w, type, obj, w->userdata);
}

/* Hand complete lines of one stream to its watch; keep the partial tail. */
static void dispatch_lines(ApiRequest *r) {
        size_t start = 0;
        char *nl;

        if (!r->watch || r->len == 0)
                return;
        while ((nl = memchr(r->buf + start, '\n', r->len - start))) {
                size_t l = nl - (r->buf + start);
                if (l > 0 && !r->watch->relist)
                        watch_handle_line(r->watch, r->buf + start, l);
                start += l + 1;
        }
        memmove(r->buf, r->buf + start, r->len - start);
        r->len -= start;
        r->buf[r->len] = 0;
}

static void dispatch_streams(ApiClient *c) {
        /* handlers may add requests (to the list head) but never free a watch stream */
        if (c->dispatching)
                return;
        c->dispatching = true;
        for (ApiRequest *r = c->requests; r; r = r->next)
                dispatch_lines(r);
        /* a watch that got "410 Gone" as an ERROR event does not wait for the server to close the stream */
        for (ApiRequest *r = c->requests; r; r = r->next)
                if (r->watch && r->watch->relist) {
                        ApiWatch *w = r->watch;
                        bool short_lived = watch_stream_was_short(w);
                        w->stream = NULL;
                        request_free(r);
                        if (short_lived)
                                watch_schedule_retry(w); /* relists after the back-off */
                        else
                                (void) watch_start_list(w);
                        break; /* at most one per pass; the list changed */
                }
        c->dispatching = false;
}

static void watch_stream_done(ApiWatch *w, long status) {
        if (status == 410)
                w->relist = true;
        if (status == 200 && !watch_stream_was_short(w))
                w->backoff_usec = 0; /* a healthy stream resets the back-off */
        if (status == 200 && !w->relist && !watch_stream_was_short(w)) {
                /* normal end (timeoutSeconds): resume at once */
                log_debug("WATCH %s ended, resuming", w->path);
                (void) watch_start_stream(w);
                return;
        }
        if (w->relist) {
                log_debug("WATCH %s: relisting", w->path);
                if ((status == 200 || status == 410) && !watch_stream_was_short(w)) {
                        (void) watch_start_list(w);
                        return;
                }
        } else {
                char buf[32];
                log_warning("WATCH %s: %s, reconnecting", w->path, status_string(status, buf));
        }
        watch_schedule_retry(w);
}

int api_watch_new(ApiClient *c, const char *path, const ApiWatchHandlers *h, void *userdata, ApiWatch **ret) {
        ApiWatch *w = calloc(1, sizeof(ApiWatch));
        if (!w)
                return -ENOMEM;
        w->client = c;
        w->path = strdup(path);
        if (!w->path) {
                free(w);
                return -ENOMEM;
        }
        w->handlers = *h;
        w->userdata = userdata;
        w->relist = true;
        *ret = w;
        return watch_start_list(w);
}

ApiWatch *api_watch_free(ApiWatch *w) {
        if (!w)
                return NULL;
        if (w->stream)
                request_free(w->stream);
        /* an in-flight LIST still points at w: neuter its callback */
        for (ApiRequest *r = w->client->requests; r; r = r->next)
                if (r->userdata == w && r->cb == on_list_done)
                        r->cb = NULL;
        sd_event_source_disable_unref(w->retry);
        free(w->path);
        free(w->resource_version);
        return mfree(w);
}
