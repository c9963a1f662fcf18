/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Asynchronous HTTP client for the API server: libcurl's multi interface driven by sd-event
 * (CURLMOPT_SOCKETFUNCTION → sd_event_add_io, CURLMOPT_TIMERFUNCTION → one sd_event time source).
 * Nothing blocks: api_request() queues and returns; the callback runs later from the event loop.
 *
 * ApiWatch is a list+watch loop (an "informer" without a cache): GET list → on_list(items) → GET
 * ?watch=1&resourceVersion=RV (newline-delimited JSON events, split in the write path but dispatched
 * only after curl returns, so handlers may start new requests) → on_event(type, object) per event.
 * When the stream ends or fails it reconnects with back-off (1 s doubling to 30 s, reset after a good
 * stream) from the last resourceVersion (BOOKMARKs advance it); a 410 (HTTP or ERROR event) relists.
 */

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct ApiClient ApiClient;
typedef struct ApiWatch ApiWatch;

/* status: HTTP status, or a negative errno for transport failures (then body is NULL).
 * body: parsed JSON response (borrowed; NULL if empty or not JSON). */
typedef void (*api_callback_t)(ApiClient *c, long status, json_object *body, void *userdata);

int api_client_new(sd_event *e, const char *server, ApiClient **ret);
ApiClient *api_client_free(ApiClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ApiClient *, api_client_free);

/* method "GET"/"POST"/"PUT"/"PATCH"/"DELETE"; body may be NULL; content_type NULL = application/json.
 * cb may be NULL (fire and forget). */
int api_request(ApiClient *c, const char *method, const char *path, const char *content_type, json_object *body,
                api_callback_t cb, void *userdata);
/* number of requests in flight (for tests / shutdown) */
unsigned api_client_pending(ApiClient *c);

typedef struct ApiWatchHandlers {
        /* full list (items array, borrowed); the handler reconciles against it */
        void (*on_list)(ApiWatch *w, json_object *items, void *userdata);
        /* ADDED / MODIFIED / DELETED with the object (borrowed) */
        void (*on_event)(ApiWatch *w, const char *type, json_object *object, void *userdata);
} ApiWatchHandlers;

/* path: collection path with query, e.g. "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1" */
int api_watch_new(ApiClient *c, const char *path, const ApiWatchHandlers *h, void *userdata, ApiWatch **ret);
ApiWatch *api_watch_free(ApiWatch *w);
