/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Watch streams: 200, chunked, one {"type","object"} JSON document per line.
 *
 * Start: resourceVersion unset/"0" (or sendInitialEvents=true) → synthetic ADDED for the current matching
 * objects from one store snapshot, then every change after that snapshot's revision; resourceVersion=R →
 * every change after R (store_watch gives -ESTALE when R is too old: an ERROR 410 Expired event, then the
 * end). Label/field selectors apply to events: an object that stops matching is sent as DELETED and one
 * that starts matching as ADDED. Table clients get one-row Tables (columnDefinitions in the first only).
 * The stream ends after timeoutSeconds (default KSHIM_WATCH_DEFAULT_TIMEOUT_SEC, clamped to
 * KSHIM_WATCH_MAX_TIMEOUT_SEC), when the client goes away, or when the client falls behind
 * (http_stream_write() -ENOBUFS). allowWatchBookmarks → a BOOKMARK every watch_bookmark_usec.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-event.h>

#include "apiserver.h"
#include "kshim-limits.h"
#include "log.h"
#include "macro.h"
#include "status.h"
#include "util.h"

typedef struct Watcher {
        Server *server;
        HttpRequest *http;
        const ResourceType *type;
        Filter filter;
        OutputKind output;
        IncludeObject include;
        StoreWatch *sw;
        sd_event_source *timeout;
        sd_event_source *bookmark;
        bool sent_columns;
        uint64_t last_revision;
} Watcher;

static Watcher *watcher_free(Watcher *w) {
        if (!w)
                return NULL;
        if (w->sw)
                store_watch_free(w->sw);
        sd_event_source_disable_unref(w->timeout);
        sd_event_source_disable_unref(w->bookmark);
        filter_done(&w->filter);
        w->server->n_watchers--;
        free(w);
        return NULL;
}

/* End the stream (if still connected) and free the watcher. */
static void watcher_end(Watcher *w) {
        if (w->http) {
                http_request_set_abort_handler(w->http, NULL, NULL);
                (void) http_stream_end(w->http);
                w->http = NULL;
        }
        watcher_free(w);
}

static void watcher_abort(HttpRequest *r, void *userdata) {
        Watcher *w = userdata;
        w->http = NULL;
        watcher_free(w);
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* Write one event; takes a reference-neutral borrowed obj. Returns < 0 when the stream must end. */
static int send_event(Watcher *w, const char *type, json_object *obj) {
        _cleanup_(json_object_putp) json_object *ev = json_object_new_object();
        json_object *payload;
        const char *s;
        int r;

        if (!ev)
                return -ENOMEM;
        if (w->output != OUTPUT_JSON && (streq(type, "ADDED") || streq(type, "MODIFIED") || streq(type, "DELETED"))) {
                payload = table_new(w->type, w->output, !w->sent_columns,
                                    json_get_string(obj, "metadata.resourceVersion"));
                if (!payload)
                        return -ENOMEM;
                table_add_row(payload, w->type, obj, w->include, now_usec());
                w->sent_columns = true;
        } else
                payload = json_object_get(obj);
        json_object_object_add(ev, "type", json_object_new_string(type));
        json_object_object_add(ev, "object", payload);
        s = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);

        size_t len = strlen(s);
        _cleanup_free_ char *line = malloc(len + 2);
        if (!line)
                return -ENOMEM;
        memcpy(line, s, len);
        line[len] = '\n';
        r = http_stream_write(w->http, line, len + 1);
        if (r < 0)
                log_debug_errno(r, "watch: ending stream: %m");
        return r;
}

static int send_bookmark(Watcher *w, bool initial_end) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        char rv[32];

        if (!o)
                return -ENOMEM;
        snprintf(rv, sizeof rv, "%" PRIu64, w->last_revision);
        json_object_object_add(o, "kind", json_object_new_string(w->type->kind));
        json_object_object_add(o, "apiVersion", json_object_new_string(resource_type_api_version(w->type)));
        json_set(o, "metadata.resourceVersion", json_object_new_string(rv));
        if (initial_end) {
                json_object *ann = json_object_new_object();
                json_object_object_add(ann, "k8s.io/initial-events-end", json_object_new_string("true"));
                json_set(o, "metadata.annotations", ann);
        }
        return send_event(w, "BOOKMARK", o);
}

static int on_store_event(StoreWatch *sw, const StoreEvent *ev, void *userdata) {
        Watcher *w = userdata;
        _cleanup_(json_object_putp) json_object *cur = NULL, *prev = NULL;
        bool cur_match = false, prev_match = false;
        char rv[32];
        int r = 0;

        if (!w->http)
                return -ECONNRESET;
        w->last_revision = ev->revision;
        if (ev->value) {
                cur = registry_decode(ev->value);
                cur_match = cur && filter_matches(&w->filter, cur);
        }
        if (ev->prev) {
                prev = registry_decode(ev->prev);
                prev_match = prev && filter_matches(&w->filter, prev);
        }

        if (ev->type == STORE_EVENT_DELETE) {
                if (prev_match) {
                        snprintf(rv, sizeof rv, "%" PRIu64, ev->revision);
                        json_set(prev, "metadata.resourceVersion", json_object_new_string(rv));
                        r = send_event(w, "DELETED", prev);
                }
        } else if (cur_match && prev_match)
                r = send_event(w, "MODIFIED", cur);
        else if (cur_match)
                r = send_event(w, "ADDED", cur);
        else if (prev_match) /* stopped matching: DELETED with the new state */
                r = send_event(w, "DELETED", cur);

        if (r < 0) {
                /* the store frees its watch after we return < 0 */
                w->sw = NULL;
                watcher_end(w);
                return -ECONNRESET;
        }
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        watcher_end(userdata);
        return 0;
}

static int on_bookmark(sd_event_source *s, uint64_t usec, void *userdata) {
        Watcher *w = userdata;

        if (send_bookmark(w, false) < 0) {
                watcher_end(w);
                return 0;
        }
        (void) sd_event_source_set_time_relative(s, w->server->watch_bookmark_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

static char *watch_prefix(ApiRequest *a) {
        return registry_key(a->type, a->type->namespaced ? a->namespace : NULL, NULL);
}

int watch_start(ApiRequest *a, Filter *f, uint64_t from_revision, bool initial_list, bool initial_bookmark) {
        _cleanup_free_ char *prefix = watch_prefix(a);
        Server *s = a->server;
        const char *ts = http_request_query(a->http, "timeoutSeconds");
        const char *bm = http_request_query(a->http, "allowWatchBookmarks");
        uint64_t timeout = KSHIM_WATCH_DEFAULT_TIMEOUT_SEC;
        bool bookmarks = false;
        Watcher *w;
        int r;

        if (!prefix) {
                filter_done(f);
                reply_status(a->http, k8s_status_internal("out of memory"));
                api_request_free(a);
                return 0;
        }
        if (s->n_watchers >= KSHIM_MAX_WATCHERS_TOTAL) {
                filter_done(f);
                reply_status(a->http, k8s_status_too_many_requests("too many watches, please try again later", 1));
                api_request_free(a);
                return 0;
        }
        if (ts && !isempty(ts)) {
                char *end;
                long long v = strtoll(ts, &end, 10);
                if (*end || v < 0) {
                        filter_done(f);
                        reply_status(a->http, k8s_status_bad_request("timeoutSeconds: invalid value"));
                        api_request_free(a);
                        return 0;
                }
                if (v > 0)
                        timeout = MIN((uint64_t) v, (uint64_t) KSHIM_WATCH_MAX_TIMEOUT_SEC);
        }
        if (bm)
                (void) k8s_parse_bool(bm, &bookmarks);

        w = calloc(1, sizeof *w);
        if (!w) {
                filter_done(f);
                reply_status(a->http, k8s_status_internal("out of memory"));
                api_request_free(a);
                return 0;
        }
        s->n_watchers++;
        *w = (Watcher) {
                .server = s,
                .http = a->http,
                .type = a->type,
                .filter = *f,
                .output = a->output,
                .include = a->include,
                .last_revision = from_revision,
        };
        api_request_free(a);

        r = http_stream_begin(w->http, 200, "application/json", NULL);
        if (r < 0) {
                w->http = NULL;
                watcher_free(w);
                return 0;
        }
        http_request_set_abort_handler(w->http, watcher_abort, w);

        if (initial_list) {
                StoreValue **items = NULL;
                size_t n = 0;
                bool more;
                uint64_t snap = 0;

                r = store_list(s->store, prefix, NULL, 0, 0, &items, &n, &snap, &more);
                if (r < 0) {
                        watcher_end(w);
                        return 0;
                }
                from_revision = snap;
                w->last_revision = snap;
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(json_object_putp) json_object *o = registry_decode(items[i]);
                        if (r >= 0 && o && filter_matches(&w->filter, o))
                                r = send_event(w, "ADDED", o);
                        store_value_unref(items[i]);
                }
                free(items);
                if (r >= 0 && initial_bookmark)
                        r = send_bookmark(w, true);
                if (r < 0) {
                        watcher_end(w);
                        return 0;
                }
        }

        r = store_watch(s->store, prefix, from_revision, on_store_event, w, &w->sw);
        if (r == -ESTALE) {
                char msg[256];
                _cleanup_(json_object_putp) json_object *st = NULL;
                snprintf(msg, sizeof msg, "too old resource version: %" PRIu64 " (%" PRIu64 ")", from_revision,
                         store_oldest_revision(s->store));
                st = k8s_status_expired(msg);
                (void) send_event(w, "ERROR", st);
                watcher_end(w);
                return 0;
        }
        if (r < 0) {
                _cleanup_(json_object_putp) json_object *st = k8s_status_internal("cannot start watch");
                (void) send_event(w, "ERROR", st);
                watcher_end(w);
                return 0;
        }

        r = sd_event_add_time_relative(s->event, &w->timeout, CLOCK_MONOTONIC, timeout * 1000000ULL, 0,
                                       on_timeout, w);
        if (r < 0) {
                watcher_end(w);
                return 0;
        }
        if (bookmarks) {
                r = sd_event_add_time_relative(s->event, &w->bookmark, CLOCK_MONOTONIC,
                                               s->watch_bookmark_usec, 0, on_bookmark, w);
                if (r < 0)
                        log_debug_errno(r, "watch: no bookmark timer: %m");
        }
        return 0;
}
