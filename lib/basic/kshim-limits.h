/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Every limit a client (or a manifest) can push on, in one place. docs/LIMITS.md lists them with the
 * error a client sees when it crosses one. Each has a compile-time default; change them here only.
 */

/* ---- HTTP front end (apiserver) ---- */
#define KSHIM_HTTP_MAX_HEADER_BYTES (64u * 1024u)         /* request line + headers: 431 beyond */
#define KSHIM_HTTP_MAX_HEADERS 100u                       /* header fields per request: 431 beyond */
#define KSHIM_HTTP_MAX_URL_BYTES (16u * 1024u)            /* request target: 414 beyond */
#define KSHIM_HTTP_MAX_BODY_BYTES (3u * 1024u * 1024u)    /* request body: 413 beyond (k8s: 3 MiB) */
#define KSHIM_HTTP_MAX_CONNECTIONS 1024u                  /* open client connections: new ones closed */
#define KSHIM_HTTP_IDLE_TIMEOUT_USEC (120u * 1000000u)    /* keep-alive idle connection closed after */
#define KSHIM_HTTP_MAX_OUTPUT_BUFFER (16u * 1024u * 1024u) /* unsent bytes per connection before close */

/* ---- objects ---- */
#define KSHIM_MAX_OBJECT_BYTES (1536u * 1024u)            /* serialized object size (etcd's 1.5 MiB): 413 */
#define KSHIM_MAX_NAME_LENGTH 253u                        /* DNS-1123 subdomain */
#define KSHIM_MAX_LABEL_VALUE_LENGTH 63u
#define KSHIM_MAX_ANNOTATIONS_BYTES (256u * 1024u)        /* total annotation size (upstream's limit) */
#define KSHIM_MAX_JSON_DEPTH 64                           /* nesting of request bodies: 400 beyond */
#define KSHIM_PROTOBUF_MAX_VALUES (KSHIM_MAX_OBJECT_BYTES / 2u) /* JSON values from one protobuf body: 400 */

/* ---- lists and watches ---- */
#define KSHIM_LIST_DEFAULT_LIMIT 0u                       /* 0 = no paging unless the client asks */
#define KSHIM_LIST_MAX_LIMIT 10000u                       /* larger ?limit= is clamped */
#define KSHIM_MAX_WATCHERS_TOTAL 8192u                    /* 429 beyond */
#define KSHIM_MAX_WATCHERS_PER_CONNECTION 1u              /* HTTP/1.1: one stream per connection */
#define KSHIM_WATCH_HISTORY_EVENTS 10000u                 /* events kept for watch-from-revision; 410 older */
#define KSHIM_WATCH_MAX_TIMEOUT_SEC 3600u                 /* timeoutSeconds is clamped to this */
#define KSHIM_WATCH_DEFAULT_TIMEOUT_SEC 1800u             /* when the client gives none (upstream: 1800-3600) */
#define KSHIM_SELECTOR_MAX_TERMS 64u                      /* label/field selector terms: 400 beyond */

/* ---- store ---- */
#define KSHIM_STORE_MAX_PENDING_WRITES 4096u              /* queued durable writes: 429 beyond */
#define KSHIM_STORE_MAX_KEY_BYTES 1024u

/* ---- node agent ---- */
#define KSHIM_AGENT_MAX_PODS 250u                         /* Node capacity "pods" (kubelet default 110) */
#define KSHIM_UNIT_NAME_MAX 255u                          /* systemd's limit on a unit name */
