/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * kshim-apiserver internals, shared by the files of the static apiserver-core library:
 *   server.c     request routing, content negotiation, non-resource endpoints
 *   discovery.c  aggregated + legacy discovery, /version, OpenAPI v2/v3, all generated from types.c
 *   registry.c   generic REST storage over lib/store: get/list/create/update/patch/delete
 *   watch.c      watch streams
 *   table.c      meta.k8s.io Table rendering
 *   patch.c      merge / JSON / strategic merge patch
 *   types.c      the type table
 */

#include <stdbool.h>
#include <stdint.h>

#include "http-server.h"
#include "json-util.h"
#include "selector.h"
#include "store.h"
#include "types.h"

typedef struct sd_event sd_event;
typedef struct sd_event_source sd_event_source;

typedef struct Server {
        sd_event *event;
        Store *store;
        HttpServer *http;
        unsigned n_watchers;
        uint64_t watch_bookmark_usec; /* tests may lower it */
} Server;

int server_new(sd_event *e, Store *store, Server **ret);
Server *server_free(Server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Server *, server_free);
int server_listen(Server *s, const char *address);
/* Create default, kube-system, kube-public, kube-node-lease if missing (async writes). */
int server_bootstrap(Server *s);
int server_handle(HttpRequest *r, void *userdata);

/* ---- content negotiation ---- */
typedef enum OutputKind {
        OUTPUT_JSON,
        OUTPUT_TABLE_V1,
        OUTPUT_TABLE_V1BETA1,
} OutputKind;

typedef enum DiscoveryKind {
        DISCOVERY_LEGACY,
        DISCOVERY_V2,
        DISCOVERY_V2BETA1,
} DiscoveryKind;

OutputKind negotiate_output(const char *accept);
DiscoveryKind negotiate_discovery(const char *accept);

typedef enum IncludeObject {
        INCLUDE_METADATA,
        INCLUDE_OBJECT,
        INCLUDE_NONE,
} IncludeObject;

/* ---- a parsed resource request ---- */
typedef struct ApiRequest {
        Server *server;
        HttpRequest *http; /* NULL once the client went away */
        const ResourceType *type;
        char *namespace;         /* NULL for cluster-scoped or all-namespaces */
        char *name;              /* NULL for collection requests */
        SubresourceKind sub;     /* _SUB_INVALID = none */
        OutputKind output;
        IncludeObject include;
        bool dry_run;

        /* pending write */
        char *key;
        json_object *obj;       /* the object being written (without resourceVersion) */
        int success_code;       /* 200 / 201 */
        bool reply_status;      /* answer a Success Status instead of the object (delete) */
        bool finalize_namespace; /* after the write: delete the namespace's contents, then the namespace */
        json_object *deleted;   /* delete: the object as it was */
} ApiRequest;

ApiRequest *api_request_free(ApiRequest *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(ApiRequest *, api_request_free);

/* Answer a Status (takes ownership of st). */
int reply_status(HttpRequest *r, json_object *st);
/* Answer an object, rendered per a->output (Table or JSON). Does not take ownership. */
int reply_object(ApiRequest *a, int code, json_object *obj);

/* autoscaling/v1 Scale view of a scalable object (deployments, replicasets, statefulsets, rcs). */
json_object *scale_from_object(const ResourceType *t, json_object *obj);

/* ---- discovery.c ---- */
int serve_discovery(HttpRequest *r, const char *path); /* /api, /apis, /api/v1, /apis/G/V, /apis/G */
int serve_version(HttpRequest *r);
int serve_openapi(HttpRequest *r, const char *path); /* /openapi/v2, /openapi/v3[/...] */
json_object *discovery_aggregated(bool core, DiscoveryKind kind);

/* ---- registry.c ---- */
/* store key: "/<group or core>/<plural>/[<ns>/][<name>]" */
char *registry_key(const ResourceType *t, const char *ns, const char *name);
/* Parse a stored value into an object with metadata.resourceVersion filled in. */
json_object *registry_decode(const StoreValue *v);
int registry_handle(ApiRequest *a);

/* continue tokens */
char *continue_token_encode(uint64_t revision, const char *last_key);
int continue_token_decode(const char *token, uint64_t *ret_revision, char **ret_last_key);

/* selectors bundle used by list and watch */
typedef struct Filter {
        LabelSelector *labels;
        FieldSelector *fields;
        const ResourceType *type;
} Filter;
void filter_done(Filter *f);
/* Parses labelSelector/fieldSelector; on error returns a Status in *ret_status. */
int filter_parse(Filter *f, const ResourceType *t, HttpRequest *r, json_object **ret_status);
bool filter_matches(const Filter *f, json_object *obj);

/* ---- watch.c ---- */
int watch_start(ApiRequest *a, Filter *f, uint64_t from_revision, bool initial_list, bool initial_bookmark);

/* ---- table.c ---- */
json_object *table_new(const ResourceType *t, OutputKind kind, bool with_columns, const char *resource_version);
int table_add_row(json_object *table, const ResourceType *t, json_object *obj, IncludeObject include,
                  uint64_t now_usec);
