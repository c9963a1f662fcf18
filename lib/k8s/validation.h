/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Name, label and ObjectMeta validation with the messages of k8s.io/apimachinery/pkg/util/validation.
 *
 * The string validators return 0, or -EINVAL and (if ret_msg is non-NULL) an allocated message in the
 * upstream wording, e.g. for k8s_validate_dns1123_subdomain("Foo"):
 *   a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must
 *   start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is
 *   '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')
 * Upstream returns a list of messages; where several apply (too long AND bad characters), they are joined
 * with "; " here. -ENOMEM on allocation failure.
 */

#include <stdbool.h>
#include <stddef.h>

#include "json-util.h"

int k8s_validate_dns1123_subdomain(const char *s, char **ret_msg); /* ≤ 253 */
int k8s_validate_dns1123_label(const char *s, char **ret_msg);     /* ≤ 63 */
int k8s_validate_label_key(const char *s, char **ret_msg);         /* [prefix/]name (qualified name) */
int k8s_validate_label_value(const char *s, char **ret_msg);       /* ≤ 63, may be empty */

/* Validate metadata of an object being created/updated, appending causes (see status.h k8s_cause_new) to
 * causes_array: metadata.name (required unless metadata.generateName is set and non-empty; DNS-1123
 * subdomain), metadata.generateName (its prefix must be valid), metadata.namespace (required and a
 * DNS-1123 label if namespaced; Forbidden "not allowed on this type" otherwise),
 * metadata.labels (keys and values, must be strings), metadata.annotations (keys qualified names, values
 * strings, total size ≤ KSHIM_MAX_ANNOTATIONS_BYTES). meta may be NULL (→ metadata.name Required).
 * Returns the number of causes appended (≥ 0), or -ENOMEM. */
int k8s_validate_object_meta(json_object *meta, bool namespaced, json_object *causes_array);

/*
 * field.ErrorList helpers: append one cause to causes_array (a JSON array) with the upstream ErrorBody()
 * text as "message" and the field path as "field". Values are printed like upstream: strings quoted with
 * Go's %q, numbers and booleans bare, null as "null" (quoted, as upstream does). Return 1 (one cause
 * appended, so `n += r` counts causes) or -ENOMEM / -EINVAL (causes_array not an array).
 *
 *   k8s_field_required(c, "spec.containers", NULL)        Required value
 *   k8s_field_required(c, "metadata.name", "name or …")   Required value: name or …
 *   k8s_field_invalid(c, "spec.replicas", v, "must be …") Invalid value: -1: must be …
 *   k8s_field_not_supported(c, "spec.restartPolicy", "Sometimes", (const char*[]){"Always","Never",NULL})
 *                                                         Unsupported value: "Sometimes": supported values: "Always", "Never"
 *   k8s_field_forbidden(c, "spec.x", "may not be set")    Forbidden: may not be set
 *   k8s_field_duplicate(c, "spec.containers[1].name", "c") Duplicate value: "c"
 *   k8s_field_not_found(c, "spec.x", "y")                 Not found: "y"
 *   k8s_field_too_long(c, "metadata.x", 63)               Too long: may not be more than 63 bytes
 *   k8s_field_too_many(c, "spec.x", 5, 3)                 Too many: 5: must have at most 3 items
 *   k8s_field_type_invalid(c, "spec.replicas", v, "expected integer")  Invalid value: "x": expected integer
 */
int k8s_field_required(json_object *causes_array, const char *field, const char *detail);
int k8s_field_invalid(json_object *causes_array, const char *field, json_object *value, const char *detail);
int k8s_field_invalid_string(json_object *causes_array, const char *field, const char *value, const char *detail);
int k8s_field_not_supported(json_object *causes_array, const char *field, const char *value,
                            const char *const *supported /* NULL-terminated, may be NULL */);
int k8s_field_forbidden(json_object *causes_array, const char *field, const char *detail);
int k8s_field_duplicate(json_object *causes_array, const char *field, const char *value);
int k8s_field_not_found(json_object *causes_array, const char *field, const char *value);
int k8s_field_too_long(json_object *causes_array, const char *field, size_t max_bytes);
int k8s_field_too_many(json_object *causes_array, const char *field, size_t actual, size_t max_items);
int k8s_field_type_invalid(json_object *causes_array, const char *field, json_object *value, const char *detail);
