/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * metav1.Status construction, with the messages and reason strings of k8s.io/apimachinery/pkg/api/errors.
 *
 * Every constructor returns a new json_object (caller owns it; NULL only on OOM) shaped
 *   {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":…,"reason":…,"code":N}
 * ("status":"Success" for 2xx codes; "reason"/"message" are left out when NULL/empty).
 *
 * resource_with_group: the plural resource, qualified by group for non-core groups, as upstream's
 * schema.GroupResource.String() prints it: "pods", "deployments.apps".
 */

#include "json-util.h"

/* Reason strings (metav1.StatusReason) */
#define K8S_REASON_UNAUTHORIZED "Unauthorized"
#define K8S_REASON_FORBIDDEN "Forbidden"
#define K8S_REASON_NOT_FOUND "NotFound"
#define K8S_REASON_ALREADY_EXISTS "AlreadyExists"
#define K8S_REASON_CONFLICT "Conflict"
#define K8S_REASON_GONE "Gone"
#define K8S_REASON_INVALID "Invalid"
#define K8S_REASON_SERVER_TIMEOUT "ServerTimeout"
#define K8S_REASON_TIMEOUT "Timeout"
#define K8S_REASON_TOO_MANY_REQUESTS "TooManyRequests"
#define K8S_REASON_BAD_REQUEST "BadRequest"
#define K8S_REASON_METHOD_NOT_ALLOWED "MethodNotAllowed"
#define K8S_REASON_NOT_ACCEPTABLE "NotAcceptable"
#define K8S_REASON_REQUEST_ENTITY_TOO_LARGE "RequestEntityTooLarge"
#define K8S_REASON_UNSUPPORTED_MEDIA_TYPE "UnsupportedMediaType"
#define K8S_REASON_INTERNAL_ERROR "InternalError"
#define K8S_REASON_EXPIRED "Expired"
#define K8S_REASON_SERVICE_UNAVAILABLE "ServiceUnavailable"
#define K8S_REASON_STORE_READ_ERROR "StorageReadError"
#define K8S_REASON_UNKNOWN "" /* StatusReasonUnknown: the "reason" key is then left out */

/* Cause types (metav1.CauseType), the "reason" key of details.causes[] */
#define K8S_CAUSE_FIELD_VALUE_NOT_FOUND "FieldValueNotFound"
#define K8S_CAUSE_FIELD_VALUE_REQUIRED "FieldValueRequired"
#define K8S_CAUSE_FIELD_VALUE_DUPLICATE "FieldValueDuplicate"
#define K8S_CAUSE_FIELD_VALUE_INVALID "FieldValueInvalid"
#define K8S_CAUSE_FIELD_VALUE_NOT_SUPPORTED "FieldValueNotSupported"
#define K8S_CAUSE_FIELD_VALUE_FORBIDDEN "FieldValueForbidden"
#define K8S_CAUSE_FIELD_VALUE_TOO_LONG "FieldValueTooLong"
#define K8S_CAUSE_FIELD_VALUE_TOO_MANY "FieldValueTooMany"
#define K8S_CAUSE_FIELD_VALUE_TYPE_INVALID "FieldValueTypeInvalid"
#define K8S_CAUSE_INTERNAL_ERROR "InternalError"
#define K8S_CAUSE_UNEXPECTED_SERVER_RESPONSE "UnexpectedServerResponse"
#define K8S_CAUSE_FIELD_MANAGER_CONFLICT "FieldManagerConflict"

/* Generic constructor. reason/message may be NULL. */
json_object *k8s_status_new(int code, const char *reason, const char *message);

/* The HTTP code recorded in a Status ("code"), or 500 if st is NULL or lacks one. */
int k8s_status_code(json_object *st);

/* Set details.{name,group,kind,uid}; NULL or "" arguments are left out (Go's omitempty). */
void k8s_status_set_details(json_object *st, const char *name, const char *group, const char *kind, const char *uid);

/* Append {"reason":…,"message":…,"field":…} to details.causes (NULL parts left out). */
void k8s_status_add_cause(json_object *st, const char *reason, const char *message, const char *field);

/* Set details.retryAfterSeconds (> 0 only). */
void k8s_status_set_retry_after(json_object *st, int seconds);

/* Create a cause object {"reason","message","field"} suitable for k8s_status_invalid()'s array. */
json_object *k8s_cause_new(const char *reason, const char *message, const char *field);
/* Convenience: append a cause to an array; -ENOMEM on failure. */
int k8s_causes_append(json_object *causes_array, const char *reason, const char *message, const char *field);

/* 404 NotFound: `pods "x" not found` (upstream always quotes the name, even ""). details {name, group,
 * kind=resource} with group = the part of resource_with_group after the first '.', "" for core. */
json_object *k8s_status_not_found(const char *resource_with_group, const char *name);
/* 409 AlreadyExists: `pods "x" already exists` */
json_object *k8s_status_already_exists(const char *resource_with_group, const char *name);
/* 409 Conflict: `Operation cannot be fulfilled on pods "x": <detail>` (detail NULL: the optimistic-lock text) */
json_object *k8s_status_conflict(const char *resource_with_group, const char *name, const char *detail);
/* The canonical optimistic-concurrency detail text used with k8s_status_conflict(). */
#define K8S_CONFLICT_OPTIMISTIC_LOCK_MSG                                                                      \
        "the object has been modified; please apply your changes to the latest version and try again"
/* 422 Invalid: `Pod "x" is invalid: <field>: <msg>` / `… is invalid: [a, b]`. kind is the Kind ("Pod").
 * causes_array: array of cause objects (borrowed; a copy is referenced into details.causes). Cause message
 * texts follow field.Error.ErrorBody(): for FieldValueRequired "Required value", etc.; callers pass the
 * full text as "message" and this function prints `<field>: <message>`. */
json_object *k8s_status_invalid(const char *kind, const char *name, json_object *causes_array);
/* 400 BadRequest with the message as given. */
json_object *k8s_status_bad_request(const char *message);
/* 401 Unauthorized, message "Unauthorized" when NULL. */
json_object *k8s_status_unauthorized(const char *message);
/* 403 Forbidden: `pods "x" is forbidden: <reason_text>` (name may be NULL: `pods is forbidden: …`). */
json_object *k8s_status_forbidden(const char *resource_with_group, const char *name, const char *reason_text);
/* 405 MethodNotAllowed: `<verb> is not supported on resources of kind "<resource_with_group>"` */
json_object *k8s_status_method_not_allowed(const char *verb, const char *resource_with_group);
/* 410 Expired, message as given (e.g. "too old resource version: 5 (1012)"). */
json_object *k8s_status_expired(const char *message);
/* 410 Gone, message as given. */
json_object *k8s_status_gone(const char *message);
/* 429 TooManyRequests, message as given (NULL → "Too many requests, please try again later."),
 * details.retryAfterSeconds = retry_after if > 0. */
json_object *k8s_status_too_many_requests(const char *message, int retry_after);
/* 500 InternalError: `Internal error occurred: <message>`, details.causes[{message}]. */
json_object *k8s_status_internal(const char *message);
/* 504 Timeout: `Timeout: <message>` (NewTimeoutError), retryAfterSeconds if > 0. */
json_object *k8s_status_timeout(const char *message, int retry_after);
/* 500 ServerTimeout: `The <operation> operation against <resource> could not be completed at this time,
 * please try again.` (NewServerTimeout). */
json_object *k8s_status_server_timeout(const char *resource_with_group, const char *operation, int retry_after);
/* 503 ServiceUnavailable, message as given. */
json_object *k8s_status_service_unavailable(const char *message);
/* 406 NotAcceptable: `only the following media types are accepted: <accepted>` (accepted comma-separated). */
json_object *k8s_status_not_acceptable(const char *accepted);
/* 415 UnsupportedMediaType: `the body of the request was in an unknown format - accepted media types include: <accepted>` */
json_object *k8s_status_unsupported_media_type(const char *accepted);
/* 413 RequestEntityTooLarge: `Request entity too large: <message>` */
json_object *k8s_status_request_entity_too_large(const char *message);
/* 507 with reason InternalError (upstream has no 507-specific reason; clients map >= 500 to InternalError),
 * message as given. */
json_object *k8s_status_insufficient_storage(const char *message);
/* 501 with no reason (upstream has no NotImplemented StatusReason: StatusReasonUnknown), message as given. */
json_object *k8s_status_not_implemented(const char *message);
/* 201/200 Success Status with details (e.g. immediate delete). */
json_object *k8s_status_success(const char *name, const char *group, const char *kind, const char *uid);
