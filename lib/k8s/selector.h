/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Label selectors (k8s.io/apimachinery/pkg/labels) and field selectors (…/pkg/fields).
 *
 * Label selector string syntax (comma = AND, whitespace around tokens ignored):
 *   k=v  k==v  k!=v  k in (a,b)  k notin (a,b)  k  !k
 * `!=` and `notin` also match objects without the key. An empty string selects everything.
 * Keys are validated as label keys, values as label values; at most KSHIM_SELECTOR_MAX_TERMS terms.
 *
 * Field selector syntax: f=v, f==v, f!=v, comma = AND; in values '\' escapes ',', '=' and '\' exactly as
 * upstream's fields.EscapeValue/UnescapeValue do ('!' needs no escape there, and "\!" is an invalid escape
 * sequence upstream, so it is here too). Empty terms (",,") are skipped. A missing field is treated as "".
 *
 * Error messages (ret_error, allocated, may be NULL) are meant for a 400 BadRequest Status body.
 * Parse functions return 0, -EINVAL (syntax; *ret_error set), -E2BIG (too many terms; *ret_error set),
 * -ENOMEM. *ret is only set on success. Free functions accept NULL and return NULL.
 */

#include <stdbool.h>
#include <stddef.h>

#include "json-util.h"

typedef struct LabelSelector LabelSelector;
typedef struct FieldSelector FieldSelector;

int label_selector_parse(const char *s, LabelSelector **ret, char **ret_error);
/* metav1.LabelSelector {matchLabels:{}, matchExpressions:[{key, operator In|NotIn|Exists|DoesNotExist,
 * values:[]}]}. {} selects everything. NULL also yields an empty (select-everything) selector; note that
 * upstream's LabelSelectorAsSelector(nil) selects *nothing*, so callers for whom that matters (e.g. a
 * ReplicaSet without selector) must check for NULL themselves. In/NotIn need non-empty values,
 * Exists/DoesNotExist forbid values. */
int label_selector_from_json(json_object *metav1_label_selector, LabelSelector **ret, char **ret_error);
/* labels: JSON object of string → string, or NULL (no labels). */
bool label_selector_matches(const LabelSelector *sel, json_object *labels);
bool label_selector_is_empty(const LabelSelector *sel);
/* Canonical string form (terms sorted by key like upstream, values of in/notin sorted); "" for empty. */
char *label_selector_to_string(const LabelSelector *sel);
LabelSelector *label_selector_free(LabelSelector *sel);
DEFINE_TRIVIAL_CLEANUP_FUNC(LabelSelector *, label_selector_free);

typedef const char *(*field_getter_t)(void *userdata, const char *field);

int field_selector_parse(const char *s, FieldSelector **ret, char **ret_error);
size_t field_selector_n_terms(const FieldSelector *sel);
const char *field_selector_term_field(const FieldSelector *sel, size_t i);
/* The value of the i-th term (unescaped) and whether it is a negative (!=) term. */
const char *field_selector_term_value(const FieldSelector *sel, size_t i);
bool field_selector_term_is_negated(const FieldSelector *sel, size_t i);
/* get() returns the field's value or NULL when missing (then treated as ""). */
bool field_selector_matches(const FieldSelector *sel, field_getter_t get, void *userdata);
bool field_selector_is_empty(const FieldSelector *sel);
/* Value v of an `field=v` / `field==v` term for field, or NULL. */
const char *field_selector_exact_match(const FieldSelector *sel, const char *field);
FieldSelector *field_selector_free(FieldSelector *sel);
DEFINE_TRIVIAL_CLEANUP_FUNC(FieldSelector *, field_selector_free);
