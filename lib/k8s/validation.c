/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Validation of names, label keys/values and ObjectMeta, following k8s.io/apimachinery/pkg/util/validation
 * (the string checks) and pkg/api/validation/objectmeta.go (ObjectMeta). The regular expressions are
 * implemented by hand; the regex text is only quoted in messages, exactly as upstream prints it.
 *
 * Cause messages are field.Error.ErrorBody() texts, e.g. `Invalid value: "Foo": a lowercase RFC 1123 …`,
 * `Required value: name or generateName is required`, `Forbidden: not allowed on this type`; the field
 * goes in the cause's "field" key, and k8s_status_invalid() puts the two together.
 */

#include <errno.h>
#include <stdio.h>

#include "kshim-limits.h"
#include "status.h"
#include "validation.h"

#define DNS1123_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS1123_SUBDOMAIN_FMT DNS1123_LABEL_FMT "(\\." DNS1123_LABEL_FMT ")*"
#define DNS1123_LABEL_ERR                                                                                     \
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "   \
        "start and end with an alphanumeric character"
#define DNS1123_SUBDOMAIN_ERR                                                                                 \
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " \
        "must start and end with an alphanumeric character"
#define QUALIFIED_NAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QUALIFIED_NAME_ERR                                                                                    \
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "          \
        "alphanumeric character"
#define LABEL_VALUE_FMT "(" QUALIFIED_NAME_FMT ")?"
#define LABEL_VALUE_ERR                                                                                       \
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and " \
        "must start and end with an alphanumeric character"

/* validation.RegexError(): msg (e.g. 'a' or 'b', regex used for validation is 'fmt') */
#define REGEX_ERROR(msg, fmt, examples) msg " (e.g. " examples "regex used for validation is '" fmt "')"

#define DNS1123_LABEL_MAX 63u
#define QUALIFIED_NAME_MAX 63u

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c) {
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? on s[0..n) */
static bool match_dns1123_label(const char *s, size_t n) {
        if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_lower_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

static bool match_dns1123_subdomain(const char *s, size_t n) {
        size_t start = 0;

        for (size_t i = 0; i <= n; i++)
                if (i == n || s[i] == '.') {
                        if (!match_dns1123_label(s + start, i - start))
                                return false;
                        start = i + 1;
                }
        return true;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool match_qualified_name(const char *s, size_t n) {
        if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
                        return false;
        return true;
}

/* Join messages with "; " into *ret_msg (if wanted). */
static int add_msg(char **ret_msg, const char *prefix, const char *msg) {
        char *n;

        if (!ret_msg)
                return 0;
        if (asprintf(&n, "%s%s%s%s", strempty(*ret_msg), *ret_msg ? "; " : "", prefix, msg) < 0)
                return -ENOMEM;
        free(*ret_msg);
        *ret_msg = n;
        return 0;
}

static int add_max_len(char **ret_msg, const char *prefix, size_t max) {
        char buf[64];

        snprintf(buf, sizeof buf, "must be no more than %zu characters", max);
        return add_msg(ret_msg, prefix, buf);
}

static int finish(char **ret_msg, char *msg, bool bad) {
        if (!bad)
                return 0;
        if (ret_msg)
                *ret_msg = msg;
        else
                free(msg);
        return -EINVAL;
}

#define CHECK(x)                                                                                             \
        do {                                                                                                 \
                if ((x) < 0) {                                                                               \
                        free(msg);                                                                           \
                        return -ENOMEM;                                                                      \
                }                                                                                            \
        } while (0)

int k8s_validate_dns1123_subdomain(const char *s, char **ret_msg) {
        size_t n = strlen(strempty(s));
        char *msg = NULL;
        bool bad = false;

        if (n > KSHIM_MAX_NAME_LENGTH) {
                CHECK(add_max_len(&msg, "", KSHIM_MAX_NAME_LENGTH));
                bad = true;
        }
        if (!match_dns1123_subdomain(strempty(s), n)) {
                CHECK(add_msg(&msg, "", REGEX_ERROR(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "'example.com', ")));
                bad = true;
        }
        return finish(ret_msg, msg, bad);
}

int k8s_validate_dns1123_label(const char *s, char **ret_msg) {
        size_t n = strlen(strempty(s));
        char *msg = NULL;
        bool bad = false;

        if (n > DNS1123_LABEL_MAX) {
                CHECK(add_max_len(&msg, "", DNS1123_LABEL_MAX));
                bad = true;
        }
        if (!match_dns1123_label(strempty(s), n)) {
                CHECK(add_msg(&msg, "", REGEX_ERROR(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "'my-name',  or '123-abc', ")));
                bad = true;
        }
        return finish(ret_msg, msg, bad);
}

/* validation.IsQualifiedName() */
int k8s_validate_label_key(const char *s, char **ret_msg) {
        const char *name, *slash;
        char *msg = NULL;
        bool bad = false;

        s = strempty(s);
        slash = strchr(s, '/');
        if (slash && strchr(slash + 1, '/')) {
                CHECK(add_msg(&msg, "a qualified name ",
                              REGEX_ERROR(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT,
                                          "'MyName',  or 'my.name',  or '123-abc', ")
                              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
                return finish(ret_msg, msg, true);
        }

        if (slash) {
                size_t pl = (size_t) (slash - s);
                name = slash + 1;
                if (pl == 0) {
                        CHECK(add_msg(&msg, "prefix part ", "must be non-empty"));
                        bad = true;
                } else {
                        _cleanup_free_ char *prefix = strndup(s, pl), *m = NULL;
                        int r;

                        if (!prefix) {
                                free(msg);
                                return -ENOMEM;
                        }
                        r = k8s_validate_dns1123_subdomain(prefix, &m);
                        if (r == -ENOMEM) {
                                free(msg);
                                return r;
                        }
                        if (r < 0) {
                                /* each message of the subdomain check gets the prefix */
                                for (char *p = m, *e; p; p = e ? e + 2 : NULL) {
                                        e = strstr(p, "; ");
                                        if (e)
                                                *e = 0;
                                        CHECK(add_msg(&msg, "prefix part ", p));
                                }
                                bad = true;
                        }
                }
        } else
                name = s;

        if (*name == 0) {
                CHECK(add_msg(&msg, "name part ", "must be non-empty"));
                bad = true;
        } else if (strlen(name) > QUALIFIED_NAME_MAX) {
                CHECK(add_max_len(&msg, "name part ", QUALIFIED_NAME_MAX));
                bad = true;
        }
        if (!match_qualified_name(name, strlen(name))) {
                CHECK(add_msg(&msg, "name part ",
                              REGEX_ERROR(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT,
                                          "'MyName',  or 'my.name',  or '123-abc', ")));
                bad = true;
        }
        return finish(ret_msg, msg, bad);
}

int k8s_validate_label_value(const char *s, char **ret_msg) {
        size_t n = strlen(strempty(s));
        char *msg = NULL;
        bool bad = false;

        if (n > KSHIM_MAX_LABEL_VALUE_LENGTH) {
                CHECK(add_max_len(&msg, "", KSHIM_MAX_LABEL_VALUE_LENGTH));
                bad = true;
        }
        if (n > 0 && !match_qualified_name(s, n)) {
                CHECK(add_msg(&msg, "", REGEX_ERROR(LABEL_VALUE_ERR, LABEL_VALUE_FMT,
                                                    "'MyValue',  or 'my_value',  or '12345', ")));
                bad = true;
        }
        return finish(ret_msg, msg, bad);
}

/* ---- ObjectMeta ---- */

/* Go's %q for the value in "Invalid value: …" (enough of it: quotes, backslashes, control characters). */
static char *go_quote(const char *s) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\x%02x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* One field.Invalid per message (upstream returns a list; we joined them with "; "). */
static int add_invalid(json_object *causes, const char *field, const char *value, char *msgs) {
        _cleanup_free_ char *q = go_quote(value);
        int n = 0;

        if (!q)
                return -ENOMEM;
        for (char *p = msgs, *e; p; p = e ? e + 2 : NULL) {
                _cleanup_free_ char *body = NULL;
                int r;

                e = strstr(p, "; ");
                if (e)
                        *e = 0;
                if (asprintf(&body, "Invalid value: %s: %s", q, p) < 0)
                        return -ENOMEM;
                r = k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_INVALID, body, field);
                if (r < 0)
                        return r;
                n++;
        }
        return n;
}

typedef int (*validate_fn)(const char *s, char **ret_msg);

static int check_string(json_object *causes, const char *field, const char *value, validate_fn fn) {
        _cleanup_free_ char *m = NULL;
        int r;

        r = fn(value, &m);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return add_invalid(causes, field, value, m);
        return 0;
}

/* NameIsDNSSubdomain(name, prefix=true): a trailing '-' is allowed in generateName */
static int check_generate_name(json_object *causes, const char *value) {
        _cleanup_free_ char *masked = strdup(value), *m = NULL;
        size_t n;
        int r;

        if (!masked)
                return -ENOMEM;
        n = strlen(masked);
        if (n > 0 && masked[n - 1] == '-')
                masked[n - 1] = 'a';
        r = k8s_validate_dns1123_subdomain(masked, &m);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return add_invalid(causes, "metadata.generateName", value, m);
        return 0;
}

static int add_type_invalid(json_object *causes, const char *field, json_object *v, const char *what) {
        _cleanup_free_ char *body = NULL;

        if (asprintf(&body, "Invalid value: %s: %s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
                     what) < 0)
                return -ENOMEM;
        return k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_TYPE_INVALID, body, field) < 0 ? -ENOMEM : 1;
}

static int validate_map(json_object *causes, json_object *meta, const char *key, bool annotations) {
        char field[32];
        json_object *m;
        size_t total = 0;
        int n = 0, r;

        snprintf(field, sizeof field, "metadata.%s", key);
        if (!json_object_object_get_ex(meta, key, &m) || !m)
                return 0;
        if (!json_object_is_type(m, json_type_object))
                return add_type_invalid(causes, field, m, "must be an object of string values");

        json_object_object_foreach(m, k, v) {
                if (!json_object_is_type(v, json_type_string)) {
                        r = add_type_invalid(causes, field, v, "must be a string");
                        if (r < 0)
                                return r;
                        n += r;
                        continue;
                }
                if (annotations) {
                        /* upstream lower-cases annotation keys before the qualified-name check */
                        _cleanup_free_ char *lower = strdup(k), *msg = NULL;
                        if (!lower)
                                return -ENOMEM;
                        for (char *p = lower; *p; p++)
                                if (*p >= 'A' && *p <= 'Z')
                                        *p = (char) (*p - 'A' + 'a');
                        r = k8s_validate_label_key(lower, &msg);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                r = add_invalid(causes, field, k, msg);
                                if (r < 0)
                                        return r;
                                n += r;
                        }
                        total += strlen(k) + (size_t) json_object_get_string_len(v);
                } else {
                        r = check_string(causes, field, k, k8s_validate_label_key);
                        if (r < 0)
                                return r;
                        n += r;
                        r = check_string(causes, field, json_object_get_string(v), k8s_validate_label_value);
                        if (r < 0)
                                return r;
                        n += r;
                }
        }

        if (annotations && total > KSHIM_MAX_ANNOTATIONS_BYTES) {
                r = k8s_field_too_long(causes, field, KSHIM_MAX_ANNOTATIONS_BYTES);
                if (r < 0)
                        return r;
                n += r;
        }
        return n;
}

int k8s_validate_object_meta(json_object *meta, bool namespaced, json_object *causes_array) {
        const char *name, *generate_name, *ns;
        int n = 0, r;

        if (!causes_array || !json_object_is_type(causes_array, json_type_array))
                return -EINVAL;

        if (meta && !json_object_is_type(meta, json_type_object)) {
                r = add_type_invalid(causes_array, "metadata", meta, "must be an object");
                return r;
        }

        name = json_get_string(meta, "name");
        generate_name = json_get_string(meta, "generateName");
        ns = json_get_string(meta, "namespace");

        if (!isempty(generate_name)) {
                r = check_generate_name(causes_array, generate_name);
                if (r < 0)
                        return r;
                n += r;
        }
        if (isempty(name)) {
                if (isempty(generate_name)) {
                        if (k8s_causes_append(causes_array, K8S_CAUSE_FIELD_VALUE_REQUIRED,
                                              "Required value: name or generateName is required", "metadata.name") < 0)
                                return -ENOMEM;
                        n++;
                }
        } else {
                r = check_string(causes_array, "metadata.name", name, k8s_validate_dns1123_subdomain);
                if (r < 0)
                        return r;
                n += r;
        }

        if (namespaced) {
                if (isempty(ns)) {
                        if (k8s_causes_append(causes_array, K8S_CAUSE_FIELD_VALUE_REQUIRED, "Required value",
                                              "metadata.namespace") < 0)
                                return -ENOMEM;
                        n++;
                } else {
                        r = check_string(causes_array, "metadata.namespace", ns, k8s_validate_dns1123_label);
                        if (r < 0)
                                return r;
                        n += r;
                }
        } else if (!isempty(ns)) {
                if (k8s_causes_append(causes_array, K8S_CAUSE_FIELD_VALUE_FORBIDDEN,
                                      "Forbidden: not allowed on this type", "metadata.namespace") < 0)
                        return -ENOMEM;
                n++;
        }

        if (meta) {
                r = validate_map(causes_array, meta, "labels", false);
                if (r < 0)
                        return r;
                n += r;
                r = validate_map(causes_array, meta, "annotations", true);
                if (r < 0)
                        return r;
                n += r;
        }
        return n;
}

/* ---- field.Error helpers ---- */

/* The value part of ErrorBody(): %q for strings, %v for numbers and booleans, "null" quoted for null, JSON
 * for objects and arrays (upstream prints %#v Go syntax there, which has no JSON equivalent). */
static char *format_value(json_object *v) {
        if (!v)
                return strdup("\"null\"");
        if (json_object_is_type(v, json_type_string))
                return go_quote(json_object_get_string(v));
        return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int append_body(json_object *causes, const char *reason, const char *field, const char *type,
                       const char *value, const char *detail) {
        _cleanup_free_ char *body = NULL;
        int r;

        if (!causes || !json_object_is_type(causes, json_type_array))
                return -EINVAL;
        if (asprintf(&body, "%s%s%s%s%s", type, value ? ": " : "", strempty(value), isempty(detail) ? "" : ": ",
                     strempty(detail)) < 0)
                return -ENOMEM;
        r = k8s_causes_append(causes, reason, body, field);
        return r < 0 ? r : 1;
}

int k8s_field_required(json_object *causes_array, const char *field, const char *detail) {
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_REQUIRED, field, "Required value", NULL, detail);
}

int k8s_field_invalid(json_object *causes_array, const char *field, json_object *value, const char *detail) {
        _cleanup_free_ char *v = format_value(value);

        if (!v)
                return -ENOMEM;
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_INVALID, field, "Invalid value", v, detail);
}

int k8s_field_invalid_string(json_object *causes_array, const char *field, const char *value, const char *detail) {
        _cleanup_free_ char *v = value ? go_quote(value) : strdup("\"null\"");

        if (!v)
                return -ENOMEM;
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_INVALID, field, "Invalid value", v, detail);
}

int k8s_field_type_invalid(json_object *causes_array, const char *field, json_object *value, const char *detail) {
        _cleanup_free_ char *v = format_value(value);

        if (!v)
                return -ENOMEM;
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_TYPE_INVALID, field, "Invalid value", v, detail);
}

int k8s_field_not_supported(json_object *causes_array, const char *field, const char *value,
                            const char *const *supported) {
        _cleanup_free_ char *v = value ? go_quote(value) : strdup("\"null\""), *detail = NULL;
        size_t len = 0;
        FILE *f;

        if (!v)
                return -ENOMEM;
        if (supported && supported[0]) {
                f = open_memstream(&detail, &len);
                if (!f)
                        return -ENOMEM;
                fputs("supported values: ", f);
                for (size_t i = 0; supported[i]; i++) {
                        _cleanup_free_ char *q = go_quote(supported[i]);
                        fprintf(f, "%s%s", i > 0 ? ", " : "", strempty(q));
                }
                if (fclose(f) != 0)
                        return -ENOMEM;
        }
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_NOT_SUPPORTED, field, "Unsupported value", v, detail);
}

int k8s_field_forbidden(json_object *causes_array, const char *field, const char *detail) {
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_FORBIDDEN, field, "Forbidden", NULL, detail);
}

int k8s_field_duplicate(json_object *causes_array, const char *field, const char *value) {
        _cleanup_free_ char *v = go_quote(strempty(value));

        if (!v)
                return -ENOMEM;
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_DUPLICATE, field, "Duplicate value", v, NULL);
}

int k8s_field_not_found(json_object *causes_array, const char *field, const char *value) {
        _cleanup_free_ char *v = go_quote(strempty(value));

        if (!v)
                return -ENOMEM;
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_NOT_FOUND, field, "Not found", v, NULL);
}

int k8s_field_too_long(json_object *causes_array, const char *field, size_t max_bytes) {
        char detail[64];

        snprintf(detail, sizeof detail, "may not be more than %zu bytes", max_bytes);
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_TOO_LONG, field, "Too long", NULL, detail);
}

int k8s_field_too_many(json_object *causes_array, const char *field, size_t actual, size_t max_items) {
        char v[32], detail[64];

        snprintf(v, sizeof v, "%zu", actual);
        snprintf(detail, sizeof detail, "must have at most %zu items", max_items);
        return append_body(causes_array, K8S_CAUSE_FIELD_VALUE_TOO_MANY, field, "Too many", v, detail);
}
