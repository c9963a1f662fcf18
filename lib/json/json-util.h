/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * json-c helpers: dotted-path access, strict bounded parsing, and YAML → JSON conversion.
 *
 * Paths are dotted object keys ("metadata.name"); there is no array indexing and no escaping, so a key
 * containing '.' (e.g. an annotation key) cannot be addressed this way: use json_object_object_get_ex()
 * on the parent instead.
 *
 * Ownership: json_get() returns a borrowed reference. json_set() takes ownership of val, also on failure.
 * Parse functions return a new reference in *ret and, on failure, an allocated message in *ret_error
 * (if ret_error is non-NULL) suitable for a 400 Status; *ret is not touched on failure. Note json-c
 * represents JSON null as a NULL json_object*: a successful parse of "null" stores NULL in *ret.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* Borrowed reference to the value at dotted_path, or NULL if any component is missing or not an object. */
json_object *json_get(json_object *o, const char *dotted_path);

/* The string at dotted_path, or NULL if missing or not a string. Borrowed from the object. */
const char *json_get_string(json_object *o, const char *dotted_path);

/* Integer at path (json int, or a double with an integral value), def if missing or of another type. */
int64_t json_get_int(json_object *o, const char *dotted_path, int64_t def);

/* Boolean at path, def if missing or not a boolean. */
bool json_get_bool(json_object *o, const char *dotted_path, bool def);

/* Store val at dotted_path, creating intermediate objects. Takes ownership of val (also on failure; val
 * may be NULL to store JSON null). Returns 0, -EINVAL if an intermediate exists and is not an object or
 * the path is empty/malformed, -ENOMEM. */
int json_set(json_object *o, const char *dotted_path, json_object *val);

/* Compact serialization as Go's encoding/json writes it for our purposes: no spaces, '/' not escaped
 * (json-c escapes it by default). Owned by o, valid until o changes or is freed; "null" for NULL. */
const char *json_to_string_plain(json_object *o);

/* Strictly parse exactly one JSON value (RFC 8259) from buf[0..len): trailing non-whitespace, a NUL byte,
 * invalid UTF-8, "\u0000" inside strings (C readers would see the string cut short), integers outside int64
 * and non-finite numbers (json-c would silently saturate them) are all errors; nesting is bounded by
 * KSHIM_MAX_JSON_DEPTH. Duplicate keys: the last one wins. Returns 0, -EINVAL (syntax; *ret_error set),
 * -E2BIG (too deep or too large; *ret_error set), -ENOMEM. */
int json_parse(const char *buf, size_t len, json_object **ret, char **ret_error);

/* Convert one YAML document to JSON (libyaml). Plain scalars are typed like go-yaml v2 behind Kubernetes'
 * sigs.k8s.io/yaml (YAML 1.1): true/false/yes/no/on/off/y/n (common cases), null/~/empty, ints (decimal,
 * 0x, 0o, leading-0 octal, 0b, '_' separators), floats (serialized in shortest form, "0.1" not
 * "0.10000000000000001"; .inf/.nan are refused: JSON cannot hold them). Quoted and block scalars and !!str
 * are strings; timestamps stay strings. Mapping keys become strings ("true", "1", "null" for non-string
 * scalars); complex keys are refused. Nesting is bounded by KSHIM_MAX_JSON_DEPTH; aliases are refused
 * (which makes alias bombs harmless), anchors are ignored. A second non-empty document is refused (empty
 * trailing documents, as in "a: 1\n---\n", are ignored). An empty stream yields JSON null (*ret = NULL).
 * Returns 0, -EINVAL / -E2BIG with *ret_error, -ENOMEM. */
int yaml_to_json(const char *buf, size_t len, json_object **ret, char **ret_error);
