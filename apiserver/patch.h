/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The three JSON patch formats the API accepts on PATCH:
 *   - JSON merge patch (RFC 7386, application/merge-patch+json)
 *   - JSON Patch (RFC 6902, application/json-patch+json), including "test"
 *   - strategic merge patch (application/strategic-merge-patch+json): merge patch, but lists of the
 *     built-in types with a merge key are merged element by element (containers by name, ports by
 *     containerPort, ...), with the directives $patch (merge|replace|delete), $setElementOrder/<list>,
 *     $retainKeys and $deleteFromPrimitiveList/<list>. The merge keys come from a small path-suffix table
 *     (patch.c) instead of Go struct tags.
 * All functions leave their inputs untouched and return a new object in *ret. Errors: -EINVAL with an
 * allocated message in *ret_error (for a 400/422 Status), -ENOMEM. A JSON Patch "test" failure is
 * -EINVAL too (upstream answers 422 with the message).
 */

#include <json-c/json.h>

int json_merge_patch(json_object *target, json_object *patch, json_object **ret);
int json_patch_apply(json_object *doc, json_object *ops, json_object **ret, char **ret_error);
int strategic_merge_patch(json_object *orig, json_object *patch, json_object **ret, char **ret_error);

/* The merge key of the list at dotted path (array indices left out), e.g. "spec.containers" → "name";
 * NULL if the list is atomic (replaced). *ret_primitive_merge is set for merged primitive lists
 * (metadata.finalizers). */
const char *smp_merge_key(const char *path, bool *ret_primitive_merge);
