/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The declarative type table. Every resource the API server serves is one ResourceType entry in
 * types.c; discovery (aggregated and legacy), OpenAPI, routing, the generic registry (CRUD, list,
 * watch), Table printing and field selectors are all driven from it. Adding a type = adding an entry
 * (plus, if wanted, printer cells and defaulting/validation hooks).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

typedef enum Verb {
        VERB_GET = 1u << 0,
        VERB_LIST = 1u << 1,
        VERB_WATCH = 1u << 2,
        VERB_CREATE = 1u << 3,
        VERB_UPDATE = 1u << 4,
        VERB_PATCH = 1u << 5,
        VERB_DELETE = 1u << 6,
        VERB_DELETECOLLECTION = 1u << 7,
} Verb;

#define VERBS_ALL                                                                                            \
        (VERB_GET | VERB_LIST | VERB_WATCH | VERB_CREATE | VERB_UPDATE | VERB_PATCH | VERB_DELETE |         \
         VERB_DELETECOLLECTION)

/* Subresources; each is described in subresource_table (types.c). */
typedef enum SubresourceKind {
        SUB_STATUS,
        SUB_SCALE,
        SUB_BINDING,
        SUB_LOG,
        SUB_EXEC,
        SUB_ATTACH,
        SUB_PORTFORWARD,
        SUB_EVICTION,
        SUB_PROXY,
        SUB_EPHEMERALCONTAINERS,
        _SUB_MAX,
        _SUB_INVALID = -EINVAL,
} SubresourceKind;

#define SUBF(s) (1u << (s))

typedef struct Subresource {
        const char *name;
        unsigned verbs;
        /* responseKind; group/version NULL = the parent's */
        const char *group, *version, *kind; /* kind NULL = parent's kind */
        bool implemented;                   /* false: answers 501 NotImplemented for now */
} Subresource;

extern const Subresource subresource_table[_SUB_MAX];
SubresourceKind subresource_from_string(const char *s);

/* A Table cell: returns a new reference (string or int), never NULL (use "" / "<none>"). */
typedef json_object *(*cell_func_t)(json_object *obj, uint64_t now_usec);

typedef struct PrinterColumn {
        const char *name;
        const char *type;   /* string, integer, date, number, boolean */
        const char *format; /* "name" for the first column, else usually "" */
        const char *description;
        int priority;
        cell_func_t cell;
} PrinterColumn;

/* Supported field selector: selector name → dotted path in the object (path NULL = same as name). */
typedef struct FieldSpec {
        const char *name;
        const char *path;
} FieldSpec;

typedef struct ResourceType ResourceType;

/* Defaulting on create/update (obj is the new object, old NULL on create). */
typedef int (*default_func_t)(const ResourceType *t, json_object *obj);
/* Validation: append causes (status.h k8s_cause_new) to causes; old NULL on create. */
typedef int (*validate_func_t)(const ResourceType *t, json_object *obj, json_object *old, json_object *causes);

struct ResourceType {
        const char *group; /* "" = core */
        const char *version;
        const char *kind;
        const char *list_kind;
        const char *plural;
        const char *singular;
        const char *const *short_names; /* NULL-terminated or NULL */
        const char *const *categories;  /* NULL-terminated or NULL */
        bool namespaced;
        unsigned verbs;
        unsigned subresources; /* SUBF() bits */
        const PrinterColumn *columns;
        size_t n_columns;
        const FieldSpec *fields; /* beyond metadata.name/namespace; terminated by {NULL} */
        default_func_t defaults;
        validate_func_t validate;
        bool graceful_delete;        /* pods: deletionTimestamp first, removal confirmed by the agent */
        bool return_deleted_object;  /* DELETE answers the object instead of a Success Status */
        bool tracks_generation;      /* metadata.generation bumped on spec changes */
        const char *const *top_fields; /* known top-level fields besides apiVersion/kind/metadata */
        bool create_keeps_status;    /* nodes: status may be set on create (kubelet does) */
        const char *openapi_prefix;  /* schema name prefix, e.g. "io.k8s.api.core.v1" */
};

#define has_status_subresource(t) (!!((t)->subresources & SUBF(SUB_STATUS)))

extern const ResourceType resource_types[];
extern const size_t n_resource_types;

/* Group-versions in serving order (core first). */
typedef struct GroupVersion {
        const char *group;
        const char *version;
} GroupVersion;
extern const GroupVersion group_versions[];
extern const size_t n_group_versions;

const ResourceType *resource_type_find(const char *group, const char *version, const char *plural);
const ResourceType *resource_type_find_kind(const char *group, const char *kind);
bool group_version_served(const char *group, const char *version);

/* "pods", "deployments.apps" (schema.GroupResource.String()). Static buffer per type (thread-unsafe, fine). */
const char *resource_type_qualified(const ResourceType *t);
/* "v1", "apps/v1" */
const char *resource_type_api_version(const ResourceType *t);

/* Field selector lookup: the dotted path for a selector name, or NULL if the type does not support it. */
const char *resource_type_field_path(const ResourceType *t, const char *field);
/* Value of a supported field as a string into buf (bools "true"/"false", ints decimal); NULL = missing. */
const char *resource_type_field_value(const ResourceType *t, json_object *obj, const char *field, char *buf,
                                      size_t bufsz);

/* Pod status on create: phase Pending (unless given) and the computed qosClass. */
int pod_status_defaults(json_object *pod);

/* Printer cells exported for tests. */
json_object *pod_cell_ready(json_object *pod, uint64_t now);
json_object *pod_cell_status(json_object *pod, uint64_t now);
json_object *pod_cell_restarts(json_object *pod, uint64_t now);
json_object *node_cell_status(json_object *node, uint64_t now);
json_object *cell_age(json_object *obj, uint64_t now);
