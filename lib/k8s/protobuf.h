/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Kubernetes protobuf request bodies (Content-Type: application/vnd.kubernetes.protobuf) → JSON.
 *
 * kubectl 1.32+ sends the bodies of its typed-client writes (`kubectl create configmap|secret|namespace|
 * deployment|service|job|cronjob|role|...`) as protobuf: the magic "k8s\0" followed by a runtime.Unknown
 * {1: TypeMeta{1 apiVersion, 2 kind}, 2: raw bytes of the typed message, 3: contentEncoding, 4: contentType}.
 * We decode that with a declarative schema (protobuf-schema.c, field numbers from k8s.io/api and
 * k8s.io/apimachinery generated.proto, v1.32) into the JSON the object has in Kubernetes' JSON form.
 *
 * JSON shape follows Go's encoding/json of the Go struct, not proto2 presence: gogo-protobuf writes every
 * non-pointer scalar field even when zero, so a zero scalar is omitted unless the field is a pointer or has
 * no `omitempty` in Go (PB_KEEP_ZERO): "replicas": 0 stays, "workingDir": "" does not. Message fields present on
 * the wire are emitted, even empty ("resources": {}, "status": {}), as Go does for struct values. Known
 * differences from kubectl's own JSON (-o json --dry-run=client):
 *   - a zero metav1.Time (creationTimestamp) is omitted instead of "creationTimestamp": null;
 *   - Quantity strings are kept as sent, not canonicalized ("1000m" stays "1000m");
 *   - key order follows field numbers, not Go struct order;
 *   - fields the schema does not describe are skipped (counted, see k8s_protobuf_decode_full());
 *   - a nil slice without omitempty (ClusterRole "rules": null when only aggregationRule is set) is omitted.
 * lib/k8s/test-data/protobuf/ holds 24 bodies recorded from kubectl 1.32 create generators, each decoded and
 * compared with the command's --dry-run=client -o json output; they match up to the null values above.
 *
 * Kinds (apiVersion/kind in the envelope): v1 Namespace, ConfigMap, Secret, ServiceAccount, Service, Pod,
 * ResourceQuota; apps/v1 Deployment; batch/v1 Job, CronJob; rbac.authorization.k8s.io/v1 Role, ClusterRole,
 * RoleBinding, ClusterRoleBinding; scheduling.k8s.io/v1 PriorityClass; policy/v1 PodDisruptionBudget;
 * networking.k8s.io/v1 Ingress. Anything else is -EOPNOTSUPP (the server answers 415).
 *
 * Usage in a request handler (Content-Type starting with K8S_PROTOBUF_CONTENT_TYPE):
 *     r = k8s_protobuf_decode(body, len, &obj, &err);   -EOPNOTSUPP → 415, other errors → 400 with err
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json-util.h"

#define K8S_PROTOBUF_CONTENT_TYPE "application/vnd.kubernetes.protobuf"

/* Decode a whole body (magic + runtime.Unknown). On success *ret is a new JSON object with "kind" and
 * "apiVersion" set. Errors (with an allocated *ret_error if ret_error is non-NULL; *ret untouched):
 *   -EBADMSG     malformed (bad magic, truncated, bad varint, wrong wire type, invalid UTF-8 or NUL in a
 *                string, bad Quantity/Time/IntOrString, nested deeper than KSHIM_MAX_JSON_DEPTH) → 400
 *   -EOPNOTSUPP  well-formed envelope but a group/version/kind we have no schema for, or a contentEncoding
 *                we do not support → 415
 *   -ENOMEM */
int k8s_protobuf_decode(const void *buf, size_t len, json_object **ret, char **ret_error);

/* Like k8s_protobuf_decode(), and *ret_unknown_fields (if non-NULL) counts wire fields the schema did not
 * describe (skipped). */
int k8s_protobuf_decode_full(const void *buf, size_t len, json_object **ret, unsigned *ret_unknown_fields,
                             char **ret_error);

/* Decode the bare bytes of one message by schema name ("ConfigMap", "ObjectMeta", "Container", ...; the
 * short Go type name). -EOPNOTSUPP for an unknown name. No "kind"/"apiVersion" is added. */
int k8s_protobuf_decode_message(const char *message_name, const void *buf, size_t len, json_object **ret,
                                char **ret_error);

/* ---- schema (protobuf-schema.c) ---- */

typedef enum PbKind {
        PB_STRING,       /* JSON string (valid UTF-8, no NUL) */
        PB_BYTES,        /* JSON string, base64 (Go's []byte) */
        PB_BOOL,
        PB_INT32,
        PB_INT64,        /* JSON number (Go marshals int64 as a number) */
        PB_UINT32,
        PB_MESSAGE,      /* nested message (PbField.message) */
        PB_QUANTITY,     /* resource.Quantity {1 string} → "100m" */
        PB_TIME,         /* metav1.Time {1 seconds, 2 nanos} → "2026-11-22T07:40:00Z"; zero omitted */
        PB_MICROTIME,    /* metav1.MicroTime → "2026-11-22T07:40:00.123456Z" */
        PB_INTORSTRING,  /* intstr.IntOrString {1 type, 2 intVal, 3 strVal} → number or string */
        PB_FIELDSV1,     /* metav1.FieldsV1 {1 raw JSON} → that JSON */
        _PB_KIND_MAX,
} PbKind;

typedef enum PbLabel {
        PB_SINGLE,
        PB_REPEATED,     /* JSON array; scalars packed or not */
        PB_MAP,          /* map<string, kind> → JSON object */
} PbLabel;

enum {
        PB_KEEP_ZERO = 1u << 0, /* emit zero scalars (Go pointer field, or no omitempty) */
        PB_INLINE = 1u << 1,    /* message whose fields are inlined in the parent (json:",inline") */
};

typedef struct PbMessage PbMessage;

typedef struct PbField {
        uint32_t number;
        const char *json_name;
        PbKind kind;
        PbLabel label;
        unsigned flags;
        const PbMessage *message; /* PB_MESSAGE only */
} PbField;

struct PbMessage {
        const char *name;
        const PbField *fields;
        size_t n_fields;
};

const PbMessage *pb_schema_find_message(const char *name);
/* By apiVersion ("v1", "apps/v1", ...) and kind; NULL if we have no schema for it. */
const PbMessage *pb_schema_find_type(const char *api_version, const char *kind);
const PbField *pb_message_find_field(const PbMessage *m, uint32_t number);
/* All messages, for tests (NULL-terminated). */
extern const PbMessage *const pb_schema_messages[];
