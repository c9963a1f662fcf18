/* SPDX-License-Identifier: Apache-2.0 */

/*
 * JSON merge patch, JSON Patch and strategic merge patch on json-c trees (see patch.h).
 *
 * Strategic merge patch notes: upstream reads patchStrategy/patchMergeKey from Go struct tags of the
 * built-in types. Here a table maps the trailing part of the list's path (object keys only) to its
 * merge key. Lists not in the table are atomic and replaced, as upstream does for lists without a
 * strategy. Directives honoured: "$patch": "replace" / "delete" in maps and list elements,
 * "$setElementOrder/<list>" (result reordered by it), "$retainKeys" (keys not listed are dropped),
 * "$deleteFromPrimitiveList/<list>". Unknown "$..." keys are dropped, never stored.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "patch.h"

static json_object *copy(json_object *o) {
        json_object *c = NULL;
        if (!o)
                return NULL;
        if (json_object_deep_copy(o, &c, NULL) < 0)
                return NULL;
        return c;
}

/* ---------------------------------------------------------------------------------------------------- */
/* RFC 7386 */

static json_object *merge_patch_rec(json_object *target, json_object *patch) {
        if (!json_object_is_type(patch, json_type_object))
                return copy(patch);

        json_object *result = json_object_is_type(target, json_type_object) ? copy(target) : json_object_new_object();
        if (!result)
                return NULL;
        json_object_object_foreach(patch, k, v) {
                if (!v) {
                        json_object_object_del(result, k);
                        continue;
                }
                json_object *cur = NULL;
                json_object_object_get_ex(result, k, &cur);
                json_object *m = merge_patch_rec(cur, v);
                if (!m) {
                        json_object_put(result);
                        return NULL;
                }
                json_object_object_add(result, k, m);
        }
        return result;
}

int json_merge_patch(json_object *target, json_object *patch, json_object **ret) {
        json_object *r;

        if (!patch) { /* a "null" patch replaces the document with null */
                *ret = NULL;
                return 0;
        }
        r = merge_patch_rec(target, patch);
        if (!r)
                return -ENOMEM;
        *ret = r;
        return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* RFC 6902 */

_printf_(2, 3) static int set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                free(*ret_error);
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

/* Split a JSON pointer into unescaped tokens; returns count or negative. */
static int pointer_split(const char *p, char ***ret) {
        char **v = NULL;
        size_t n = 0;

        if (!p)
                return -EINVAL;
        if (*p == 0) {
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        if (*p != '/')
                return -EINVAL;
        p++;
        for (;;) {
                const char *e = strchr(p, '/');
                size_t l = e ? (size_t) (e - p) : strlen(p);
                char *tok = malloc(l + 1), *o = tok;
                char **nv;

                if (!tok)
                        goto oom;
                for (size_t i = 0; i < l; i++) {
                        if (p[i] == '~' && i + 1 < l && p[i + 1] == '0') {
                                *o++ = '~';
                                i++;
                        } else if (p[i] == '~' && i + 1 < l && p[i + 1] == '1') {
                                *o++ = '/';
                                i++;
                        } else
                                *o++ = p[i];
                }
                *o = 0;
                nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv) {
                        free(tok);
                        goto oom;
                }
                v = nv;
                v[n++] = tok;
                v[n] = NULL;
                if (!e)
                        break;
                p = e + 1;
        }
        *ret = v;
        return (int) n;
oom:
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
        return -ENOMEM;
}

static void strv_free(char **v) {
        for (char **i = v; i && *i; i++)
                free(*i);
        free(v);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);

static bool parse_index(const char *s, size_t *ret) {
        char *end;
        unsigned long long x;

        if (!*s || (s[0] == '0' && s[1]) || !(*s >= '0' && *s <= '9'))
                return false;
        errno = 0;
        x = strtoull(s, &end, 10);
        if (errno || *end)
                return false;
        *ret = (size_t) x;
        return true;
}

/* Resolve all tokens but the last: returns the parent container (borrowed) or NULL. */
static json_object *resolve(json_object *doc, char **toks, size_t n) {
        json_object *cur = doc;
        for (size_t i = 0; i < n; i++) {
                if (json_object_is_type(cur, json_type_object)) {
                        json_object *next;
                        if (!json_object_object_get_ex(cur, toks[i], &next))
                                return NULL;
                        cur = next;
                } else if (json_object_is_type(cur, json_type_array)) {
                        size_t idx;
                        if (!parse_index(toks[i], &idx) || idx >= json_object_array_length(cur))
                                return NULL;
                        cur = json_object_array_get_idx(cur, idx);
                } else
                        return NULL;
                if (!cur)
                        return NULL;
        }
        return cur;
}

static int array_insert(json_object *arr, size_t idx, json_object *v) {
        size_t n = json_object_array_length(arr);
        if (idx == n)
                return json_object_array_add(arr, v);
        /* shift right */
        if (json_object_array_add(arr, NULL) < 0)
                return -ENOMEM;
        for (size_t i = n; i > idx; i--)
                json_object_array_put_idx(arr, i, json_object_get(json_object_array_get_idx(arr, i - 1)));
        json_object_array_put_idx(arr, idx, v);
        return 0;
}

/* Operation on doc (in place; *docp may be replaced when the path is the root). Takes ownership of value. */
static int op_add(json_object **docp, const char *path, json_object *value, char **ret_error) {
        _cleanup_(strv_freep) char **toks = NULL;
        int n = pointer_split(path, &toks);

        if (n < 0) {
                json_object_put(value);
                return set_error(ret_error, "invalid JSON pointer: \"%s\"", path);
        }
        if (n == 0) {
                json_object_put(*docp);
                *docp = value;
                return 0;
        }
        json_object *parent = resolve(*docp, toks, (size_t) n - 1);
        if (json_object_is_type(parent, json_type_object)) {
                json_object_object_add(parent, toks[n - 1], value);
                return 0;
        }
        if (json_object_is_type(parent, json_type_array)) {
                size_t idx;
                if (streq(toks[n - 1], "-"))
                        idx = json_object_array_length(parent);
                else if (!parse_index(toks[n - 1], &idx) || idx > json_object_array_length(parent)) {
                        json_object_put(value);
                        return set_error(ret_error, "add operation: index out of range in \"%s\"", path);
                }
                return array_insert(parent, idx, value);
        }
        json_object_put(value);
        return set_error(ret_error, "add operation does not apply: doc is missing path: \"%s\"", path);
}

/* Removes and returns (ownership) the value at path. */
static int op_take(json_object **docp, const char *path, json_object **ret, char **ret_error) {
        _cleanup_(strv_freep) char **toks = NULL;
        int n = pointer_split(path, &toks);

        if (n < 0)
                return set_error(ret_error, "invalid JSON pointer: \"%s\"", path);
        if (n == 0) {
                *ret = TAKE_PTR(*docp);
                return 0;
        }
        json_object *parent = resolve(*docp, toks, (size_t) n - 1), *v;
        if (json_object_is_type(parent, json_type_object)) {
                if (!json_object_object_get_ex(parent, toks[n - 1], &v))
                        return set_error(ret_error, "remove operation does not apply: doc is missing path: \"%s\"", path);
                *ret = json_object_get(v);
                json_object_object_del(parent, toks[n - 1]);
                return 0;
        }
        if (json_object_is_type(parent, json_type_array)) {
                size_t idx;
                if (!parse_index(toks[n - 1], &idx) || idx >= json_object_array_length(parent))
                        return set_error(ret_error, "remove operation does not apply: doc is missing path: \"%s\"", path);
                *ret = json_object_get(json_object_array_get_idx(parent, idx));
                json_object_array_del_idx(parent, idx, 1);
                return 0;
        }
        return set_error(ret_error, "remove operation does not apply: doc is missing path: \"%s\"", path);
}

static int op_get(json_object *doc, const char *path, json_object **ret, char **ret_error) {
        _cleanup_(strv_freep) char **toks = NULL;
        int n = pointer_split(path, &toks);

        if (n < 0)
                return set_error(ret_error, "invalid JSON pointer: \"%s\"", path);
        if (n == 0) {
                *ret = doc;
                return 0;
        }
        json_object *parent = resolve(doc, toks, (size_t) n - 1), *v = NULL;
        if (json_object_is_type(parent, json_type_object)) {
                if (!json_object_object_get_ex(parent, toks[n - 1], &v))
                        return set_error(ret_error, "doc is missing path: \"%s\"", path);
        } else if (json_object_is_type(parent, json_type_array)) {
                size_t idx;
                if (!parse_index(toks[n - 1], &idx) || idx >= json_object_array_length(parent))
                        return set_error(ret_error, "doc is missing path: \"%s\"", path);
                v = json_object_array_get_idx(parent, idx);
        } else
                return set_error(ret_error, "doc is missing path: \"%s\"", path);
        *ret = v;
        return 0;
}

int json_patch_apply(json_object *doc, json_object *ops, json_object **ret, char **ret_error) {
        json_object *d = copy(doc);
        int r = 0;

        if (doc && !d)
                return -ENOMEM;
        if (!json_object_is_type(ops, json_type_array)) {
                json_object_put(d);
                return set_error(ret_error, "%sjson patch must be an array of operations", "");
        }
        for (size_t i = 0; i < json_object_array_length(ops); i++) {
                json_object *op = json_object_array_get_idx(ops, i), *value, *v = NULL;
                const char *name = json_get_string(op, "op"), *path = json_get_string(op, "path");
                const char *from = json_get_string(op, "from");
                bool has_value = json_object_is_type(op, json_type_object) &&
                                 json_object_object_get_ex(op, "value", &value);

                if (!name || !path) {
                        r = set_error(ret_error, "%sjson patch operation lacks \"op\" or \"path\"", "");
                        break;
                }
                if (streq(name, "add") || streq(name, "replace")) {
                        if (!has_value) {
                                r = set_error(ret_error, "missing value for operation \"%s\"", name);
                                break;
                        }
                        if (streq(name, "replace")) {
                                r = op_take(&d, path, &v, ret_error);
                                json_object_put(v);
                                if (r < 0)
                                        break;
                        }
                        r = op_add(&d, path, copy(value), ret_error);
                } else if (streq(name, "remove")) {
                        r = op_take(&d, path, &v, ret_error);
                        json_object_put(v);
                } else if (streq(name, "move") || streq(name, "copy")) {
                        if (!from) {
                                r = set_error(ret_error, "missing \"from\" for operation \"%s\"", name);
                                break;
                        }
                        if (streq(name, "move"))
                                r = op_take(&d, from, &v, ret_error);
                        else {
                                json_object *src;
                                r = op_get(d, from, &src, ret_error);
                                if (r >= 0)
                                        v = copy(src);
                        }
                        if (r < 0)
                                break;
                        r = op_add(&d, path, v, ret_error);
                } else if (streq(name, "test")) {
                        json_object *cur;
                        r = op_get(d, path, &cur, ret_error);
                        if (r < 0)
                                break;
                        if (!json_object_equal(cur, has_value ? value : NULL)) {
                                r = set_error(ret_error, "testing value %s failed", path);
                                break;
                        }
                } else
                        r = set_error(ret_error, "Unexpected kind: %s", name);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                json_object_put(d);
                return r;
        }
        *ret = d;
        return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Strategic merge patch */

static const struct {
        const char *suffix; /* matched against the end of the dotted path, on a '.' boundary */
        const char *key;    /* NULL: merged primitive list */
} merge_keys[] = {
        { "containers.ports", "containerPort" },
        { "initContainers.ports", "containerPort" },
        { "ephemeralContainers.ports", "containerPort" },
        { "containers", "name" },
        { "initContainers", "name" },
        { "ephemeralContainers", "name" },
        { "env", "name" },
        { "volumes", "name" },
        { "volumeMounts", "mountPath" },
        { "volumeDevices", "devicePath" },
        { "conditions", "type" },
        { "imagePullSecrets", "name" },
        { "hostAliases", "ip" },
        { "topologySpreadConstraints", "topologyKey" },
        { "resourceClaims", "name" },
        { "schedulingGates", "name" },
        { "status.addresses", "type" },
        { "ownerReferences", "uid" },
        { "spec.ports", "port" }, /* services */
        { "metadata.finalizers", NULL },
};

const char *smp_merge_key(const char *path, bool *ret_primitive_merge) {
        size_t pl = strlen(path);

        for (size_t i = 0; i < ELEMENTSOF(merge_keys); i++) {
                size_t sl = strlen(merge_keys[i].suffix);
                if (sl > pl || !streq(path + pl - sl, merge_keys[i].suffix))
                        continue;
                if (sl < pl && path[pl - sl - 1] != '.')
                        continue;
                if (ret_primitive_merge)
                        *ret_primitive_merge = !merge_keys[i].key;
                return merge_keys[i].key;
        }
        if (ret_primitive_merge)
                *ret_primitive_merge = false;
        return NULL;
}

/* A copy of v with every "$..." directive key removed (recursively). */
static json_object *strip_directives(json_object *v) {
        if (json_object_is_type(v, json_type_object)) {
                json_object *r = json_object_new_object();
                if (!r)
                        return NULL;
                json_object_object_foreach(v, k, x) {
                        if (k[0] == '$')
                                continue;
                        json_object_object_add(r, k, x ? strip_directives(x) : NULL);
                }
                return r;
        }
        if (json_object_is_type(v, json_type_array)) {
                json_object *r = json_object_new_array();
                if (!r)
                        return NULL;
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        /* {"$patch": "delete", ...} elements have no meaning without an original */
                        if (json_object_is_type(e, json_type_object) && json_get_string(e, "$patch"))
                                continue;
                        json_object_array_add(r, e ? strip_directives(e) : NULL);
                }
                return r;
        }
        return copy(v);
}

static int smp_map(json_object *orig, json_object *patch, const char *path, json_object **ret, char **ret_error);

static bool key_equal(json_object *a, json_object *b, const char *key) {
        json_object *x = NULL, *y = NULL;
        if (!json_object_is_type(a, json_type_object) || !json_object_is_type(b, json_type_object))
                return false;
        if (!json_object_object_get_ex(a, key, &x) || !json_object_object_get_ex(b, key, &y))
                return false;
        if (json_object_get_type(x) == json_type_string || json_object_get_type(y) == json_type_string)
                return streq_ptr(json_object_get_string(x), json_object_get_string(y));
        return json_object_equal(x, y);
}

static int reorder(json_object *list, json_object *order, const char *key, json_object **ret) {
        json_object *r = json_object_new_array();
        size_t n = json_object_array_length(list);
        _cleanup_free_ bool *used = calloc(n + 1, sizeof(bool));

        if (!r || !used) {
                json_object_put(r);
                return -ENOMEM;
        }
        for (size_t i = 0; i < json_object_array_length(order); i++) {
                json_object *o = json_object_array_get_idx(order, i);
                for (size_t j = 0; j < n; j++) {
                        json_object *e = json_object_array_get_idx(list, j);
                        bool eq = key ? key_equal(e, o, key) : json_object_equal(e, o);
                        if (!used[j] && eq) {
                                used[j] = true;
                                json_object_array_add(r, json_object_get(e));
                                break;
                        }
                }
        }
        for (size_t j = 0; j < n; j++)
                if (!used[j])
                        json_object_array_add(r, json_object_get(json_object_array_get_idx(list, j)));
        *ret = r;
        return 0;
}

static int smp_list(json_object *orig, json_object *patch, const char *path, const char *key, bool primitive,
                    json_object **ret, char **ret_error) {
        json_object *result;
        int r;

        /* {"$patch":"replace"} element: the list becomes the other elements */
        for (size_t i = 0; i < json_object_array_length(patch); i++) {
                json_object *e = json_object_array_get_idx(patch, i);
                if (json_object_is_type(e, json_type_object) && streq_ptr(json_get_string(e, "$patch"), "replace")) {
                        *ret = strip_directives(patch);
                        return *ret ? 0 : -ENOMEM;
                }
        }

        result = json_object_is_type(orig, json_type_array) ? copy(orig) : json_object_new_array();
        if (!result)
                return -ENOMEM;

        if (primitive) {
                for (size_t i = 0; i < json_object_array_length(patch); i++) {
                        json_object *e = json_object_array_get_idx(patch, i);
                        bool found = false;
                        for (size_t j = 0; j < json_object_array_length(result) && !found; j++)
                                found = json_object_equal(json_object_array_get_idx(result, j), e);
                        if (!found)
                                json_object_array_add(result, copy(e));
                }
                *ret = result;
                return 0;
        }

        for (size_t i = 0; i < json_object_array_length(patch); i++) {
                json_object *e = json_object_array_get_idx(patch, i);
                const char *directive = json_object_is_type(e, json_type_object) ? json_get_string(e, "$patch") : NULL;
                size_t j, n = json_object_array_length(result);

                if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, key, NULL)) {
                        json_object_put(result);
                        if (ret_error && asprintf(ret_error, "map: %s does not contain declared merge key: %s",
                                                  json_object_to_json_string(e), key) < 0)
                                *ret_error = NULL;
                        return -EINVAL;
                }
                for (j = 0; j < n; j++)
                        if (key_equal(json_object_array_get_idx(result, j), e, key))
                                break;
                if (streq_ptr(directive, "delete")) {
                        /* remove every element with that key */
                        for (size_t k = n; k > 0; k--)
                                if (key_equal(json_object_array_get_idx(result, k - 1), e, key))
                                        json_object_array_del_idx(result, k - 1, 1);
                        continue;
                }
                if (j < n) {
                        json_object *merged = NULL;
                        r = smp_map(json_object_array_get_idx(result, j), e, path, &merged, ret_error);
                        if (r < 0) {
                                json_object_put(result);
                                return r;
                        }
                        json_object_array_put_idx(result, j, merged);
                } else
                        json_object_array_add(result, strip_directives(e));
        }
        *ret = result;
        return 0;
}

static int smp_map(json_object *orig, json_object *patch, const char *path, json_object **ret, char **ret_error) {
        json_object *result, *retain = NULL, *x;
        const char *directive;
        int r;

        if (!json_object_is_type(patch, json_type_object)) {
                *ret = copy(patch);
                return 0;
        }
        directive = json_get_string(patch, "$patch");
        if (streq_ptr(directive, "replace")) {
                *ret = strip_directives(patch);
                return *ret ? 0 : -ENOMEM;
        }
        if (streq_ptr(directive, "delete")) {
                *ret = json_object_new_object();
                return *ret ? 0 : -ENOMEM;
        }

        result = json_object_is_type(orig, json_type_object) ? copy(orig) : json_object_new_object();
        if (!result)
                return -ENOMEM;

        json_object_object_foreach(patch, k, v) {
                _cleanup_free_ char *sub = NULL;
                const char *p;

                if ((p = startswith(k, "$deleteFromPrimitiveList/"))) {
                        json_object *list = NULL;
                        if (json_object_object_get_ex(result, p, &list) && json_object_is_type(list, json_type_array) &&
                            json_object_is_type(v, json_type_array))
                                for (size_t i = json_object_array_length(list); i > 0; i--)
                                        for (size_t j = 0; j < json_object_array_length(v); j++)
                                                if (json_object_equal(json_object_array_get_idx(list, i - 1),
                                                                      json_object_array_get_idx(v, j))) {
                                                        json_object_array_del_idx(list, i - 1, 1);
                                                        break;
                                                }
                        continue;
                }
                if (streq(k, "$retainKeys")) {
                        retain = v;
                        continue;
                }
                if (k[0] == '$')
                        continue; /* $patch, $setElementOrder (below), unknown directives */

                if (asprintf(&sub, "%s%s%s", path, *path ? "." : "", k) < 0) {
                        json_object_put(result);
                        return -ENOMEM;
                }
                if (!v) {
                        json_object_object_del(result, k);
                        continue;
                }

                json_object *cur = NULL, *merged = NULL;
                json_object_object_get_ex(result, k, &cur);
                if (json_object_is_type(v, json_type_object) && json_object_is_type(cur, json_type_object))
                        r = smp_map(cur, v, sub, &merged, ret_error);
                else if (json_object_is_type(v, json_type_array)) {
                        bool primitive;
                        const char *key = smp_merge_key(sub, &primitive);
                        if (key || primitive)
                                r = smp_list(cur, v, sub, key, primitive, &merged, ret_error);
                        else {
                                merged = strip_directives(v);
                                r = merged ? 0 : -ENOMEM;
                        }
                } else if (json_object_is_type(v, json_type_object)) {
                        /* new map: still honour nested $patch: delete/replace semantics by merging into {} */
                        r = smp_map(NULL, v, sub, &merged, ret_error);
                } else {
                        merged = copy(v);
                        r = merged ? 0 : -ENOMEM;
                }
                if (r < 0) {
                        json_object_put(result);
                        return r;
                }
                json_object_object_add(result, k, merged);
        }

        /* $setElementOrder/<list>: reorder the merged list */
        json_object_object_foreach(patch, k2, v2) {
                const char *p = startswith(k2, "$setElementOrder/");
                _cleanup_free_ char *sub = NULL;
                json_object *list = NULL, *ordered = NULL;

                if (!p || !json_object_is_type(v2, json_type_array))
                        continue;
                if (!json_object_object_get_ex(result, p, &list) || !json_object_is_type(list, json_type_array))
                        continue;
                if (asprintf(&sub, "%s%s%s", path, *path ? "." : "", p) < 0) {
                        json_object_put(result);
                        return -ENOMEM;
                }
                const char *key = smp_merge_key(sub, NULL);
                if (reorder(list, v2, key, &ordered) < 0) {
                        json_object_put(result);
                        return -ENOMEM;
                }
                json_object_object_add(result, p, ordered);
        }

        if (json_object_is_type(retain, json_type_array)) {
                /* collect keys to drop first: deleting while iterating is not allowed */
                json_object *drop = json_object_new_array();
                json_object_object_foreach(result, k3, v3) {
                        bool keep = false;
                        (void) v3;
                        for (size_t i = 0; i < json_object_array_length(retain) && !keep; i++)
                                keep = streq_ptr(json_object_get_string(json_object_array_get_idx(retain, i)), k3);
                        if (!keep)
                                json_object_array_add(drop, json_object_new_string(k3));
                }
                for (size_t i = 0; i < json_object_array_length(drop); i++)
                        json_object_object_del(result, json_object_get_string(json_object_array_get_idx(drop, i)));
                json_object_put(drop);
        }
        x = result;
        *ret = x;
        return 0;
}

int strategic_merge_patch(json_object *orig, json_object *patch, json_object **ret, char **ret_error) {
        if (!json_object_is_type(patch, json_type_object)) {
                if (ret_error)
                        *ret_error = strdup("strategic merge patch must be a JSON object");
                return -EINVAL;
        }
        return smp_map(orig, patch, "", ret, ret_error);
}
