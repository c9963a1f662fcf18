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
