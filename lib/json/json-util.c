/* SPDX-License-Identifier: Apache-2.0 */

/*
 * json-c helpers.
 *
 * Design notes:
 *  1. json_parse() is the one entry point for untrusted JSON. json-c's tokener runs in strict mode with UTF-8
 *     validation and a nesting bound; the input must hold exactly one value (surrounding whitespace only) and
 *     no NUL byte. The buffer is copied once so that the tokener sees the terminating NUL: json-c needs it to
 *     finish a top-level number.
 *  2. yaml_to_json() walks libyaml's event stream and builds json-c objects directly, resolving plain scalars
 *     the way go-yaml v2 (behind sigs.k8s.io/yaml, i.e. kubectl and the API server) does: YAML 1.1 booleans
 *     (y/yes/on...), null/~/empty, ints in base 10/16/8/2 with '_' separators, floats. Aliases are refused
 *     outright, which makes the converter immune to alias-expansion bombs; anchors are harmless and ignored.
 *     Recursion is bounded by KSHIM_MAX_JSON_DEPTH, so the C stack use is bounded as well.
 *  3. Timestamps are left as strings (go-yaml would turn an unquoted `2001-12-14` into a time.Time and then
 *     into "2001-12-14T00:00:00Z"); no Kubernetes field of ours depends on that.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <yaml.h>

#include "json-util.h"
#include "kshim-limits.h"

static json_object *json_get_n(json_object *o, const char *path, size_t n_path) {
        const char *p = path, *end = path + n_path;

        if (!o || !path)
                return NULL;

        for (;;) {
                const char *dot = memchr(p, '.', (size_t) (end - p));
                size_t l = dot ? (size_t) (dot - p) : (size_t) (end - p);
                _cleanup_free_ char *heap = NULL;
                json_object *child;
                char buf[128], *key = buf;
                bool found;

                if (l == 0 || !json_object_is_type(o, json_type_object))
                        return NULL;

                if (l >= sizeof buf) { /* paths may come from clients: no VLA */
                        key = heap = malloc(l + 1);
                        if (!key)
                                return NULL;
                }
                memcpy(key, p, l);
                key[l] = 0;
                found = json_object_object_get_ex(o, key, &child);
                if (!found)
                        return NULL;
                if (!dot)
                        return child;
                o = child;
                p = dot + 1;
        }
}

json_object *json_get(json_object *o, const char *dotted_path) {
        if (!dotted_path)
                return NULL;
        return json_get_n(o, dotted_path, strlen(dotted_path));
}

const char *json_get_string(json_object *o, const char *dotted_path) {
        json_object *v = json_get(o, dotted_path);

        if (!v || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int64_t json_get_int(json_object *o, const char *dotted_path, int64_t def) {
        json_object *v = json_get(o, dotted_path);

        if (!v)
                return def;
        if (json_object_is_type(v, json_type_int))
                return json_object_get_int64(v);
        if (json_object_is_type(v, json_type_double)) {
                double d = json_object_get_double(v);
                /* 2^63 is exactly representable; anything in [-2^63, 2^63) converts without UB */
                if (isfinite(d) && d == trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
                        return (int64_t) d;
        }
        return def;
}

bool json_get_bool(json_object *o, const char *dotted_path, bool def) {
        json_object *v = json_get(o, dotted_path);

        if (!v || !json_object_is_type(v, json_type_boolean))
                return def;
        return json_object_get_boolean(v);
}

int json_set(json_object *o, const char *dotted_path, json_object *val) {
        _cleanup_(json_object_putp) json_object *owned = val;
        const char *p;

        if (!o || isempty(dotted_path) || !json_object_is_type(o, json_type_object))
                return -EINVAL;
        /* Reject malformed paths before creating anything, so they leave no empty intermediates behind. */
        if (dotted_path[0] == '.' || dotted_path[strlen(dotted_path) - 1] == '.' || strstr(dotted_path, ".."))
                return -EINVAL;

        p = dotted_path;
        for (;;) {
                const char *dot = strchr(p, '.');
                size_t l = dot ? (size_t) (dot - p) : strlen(p);
                _cleanup_free_ char *key = NULL;
                json_object *child;

                if (l == 0)
                        return -EINVAL;
                key = strndup(p, l);
                if (!key)
                        return -ENOMEM;

                if (!dot) {
                        if (json_object_object_add(o, key, TAKE_PTR(owned)) < 0)
                                return -ENOMEM;
                        return 0;
                }

                if (json_object_object_get_ex(o, key, &child)) {
                        if (!json_object_is_type(child, json_type_object))
                                return -EINVAL;
                } else {
                        child = json_object_new_object();
                        if (!child)
                                return -ENOMEM;
                        if (json_object_object_add(o, key, child) < 0) {
                                json_object_put(child);
                                return -ENOMEM;
                        }
                }
                o = child;
                p = dot + 1;
        }
}

const char *json_to_string_plain(json_object *o) {
        if (!o)
                return "null";
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static int set_error(char **ret_error, int r, const char *format, ...) _printf_(3, 4);
static int set_error(char **ret_error, int r, const char *format, ...) {
        va_list ap;

        if (!ret_error)
                return r;

        va_start(ap, format);
        if (vasprintf(ret_error, format, ap) < 0) {
                *ret_error = NULL;
                r = -ENOMEM;
        }
        va_end(ap);
        return r;
}

/* Whether a syntactically valid JSON number fits: integers in int64, other numbers finite as a double. */
static bool json_number_in_range(const char *p, size_t len, bool integral) {
        char buf[64];

        if (integral) {
                bool neg = *p == '-';
                const char *d = p + neg;
                size_t nd = len - neg;
                const char *limit = neg ? "9223372036854775808" : "9223372036854775807";

                if (nd != 19)
                        return nd < 19;
                return memcmp(d, limit, 19) <= 0;
        }

        /* long mantissas cannot overflow by themselves; only the exponent can */
        if (len >= sizeof buf) {
                const char *e = memchr(p, 'e', len) ?: memchr(p, 'E', len);
                size_t n_int = strspn(p + (*p == '-'), "0123456789");
                long exp = 0;

                if (e) {
                        const char *q = e + 1;
                        bool eneg = *q == '-';
                        if (*q == '+' || *q == '-')
                                q++;
                        for (; q < p + len && exp < 100000; q++)
                                exp = exp * 10 + (*q - '0');
                        if (eneg)
                                exp = -exp;
                }
                return (long) n_int + exp < 300;
        }
        memcpy(buf, p, len);
        buf[len] = 0;
        return isfinite(strtod(buf, NULL));
}

/* json-c's "strict" mode still accepts single-quoted strings, NaN/Infinity and a few other extensions, so the
 * grammar of RFC 8259 is checked here first, iteratively, with the nesting bound; json-c then only builds the
 * objects (and validates UTF-8). Returns 0, or -EINVAL/-E2BIG with *ret_offset and a static *ret_what. */
static int json_validate(const char *s, size_t n, size_t *ret_offset, const char **ret_what) {
        enum {
                S_VALUE,           /* a value must follow */
                S_VALUE_OR_CLOSE,  /* after '[' */
                S_KEY,             /* after ',' in an object */
                S_KEY_OR_CLOSE,    /* after '{' */
                S_COLON,           /* after a key */
                S_COMMA_OR_CLOSE,  /* after a value inside a container */
                S_END,             /* after the top-level value */
        } st = S_VALUE;
        char stack[KSHIM_MAX_JSON_DEPTH];
        size_t depth = 0, i = 0;

#define FAIL(what) do { *ret_offset = i; *ret_what = (what); return -EINVAL; } while (0)
        for (;;) {
                char c;

                while (i < n && strchr(" \t\r\n", s[i]) && s[i] != 0)
                        i++;
                if (i >= n) {
                        if (st == S_END)
                                return 0;
                        FAIL("unexpected end of JSON input");
                }
                c = s[i];

                if (st == S_END)
                        FAIL("invalid character after top-level value");
                if (st == S_COLON) {
                        if (c != ':')
                                FAIL("invalid character after object key");
                        i++;
                        st = S_VALUE;
                        continue;
                }
                if ((st == S_COMMA_OR_CLOSE || st == S_KEY_OR_CLOSE || st == S_VALUE_OR_CLOSE) &&
                    (c == '}' || c == ']')) {
                        if (depth == 0 || stack[depth - 1] != (c == '}' ? '{' : '[') ||
                            (st == S_KEY_OR_CLOSE && c != '}') || (st == S_VALUE_OR_CLOSE && c != ']'))
                                FAIL("invalid character: mismatched bracket");
                        depth--;
                        i++;
                        st = depth > 0 ? S_COMMA_OR_CLOSE : S_END;
                        continue;
                }
                if (st == S_COMMA_OR_CLOSE) {
                        if (c != ',')
                                FAIL("invalid character after value, expecting ',' or a closing bracket");
                        i++;
                        st = stack[depth - 1] == '{' ? S_KEY : S_VALUE;
                        continue;
                }
                if ((st == S_KEY || st == S_KEY_OR_CLOSE) && c != '"')
                        FAIL("invalid character looking for beginning of object key string");

                /* a value (or a key, which is a string) */
                if (c == '{' || c == '[') {
                        if (depth >= KSHIM_MAX_JSON_DEPTH) {
                                *ret_offset = i;
                                *ret_what = "nesting too deep";
                                return -E2BIG;
                        }
                        stack[depth++] = c;
                        i++;
                        st = c == '{' ? S_KEY_OR_CLOSE : S_VALUE_OR_CLOSE;
                        continue;
                }
                if (c == '"') {
                        i++;
                        for (;;) {
                                if (i >= n)
                                        FAIL("unexpected end of JSON input in string");
                                c = s[i];
                                if (c == '"')
                                        break;
                                if ((unsigned char) c < 0x20)
                                        FAIL("invalid control character in string literal");
                                if (c == '\\') {
                                        i++;
                                        if (i >= n)
                                                FAIL("unexpected end of JSON input in string escape");
                                        if (s[i] == 'u') {
                                                for (size_t k = 1; k <= 4; k++)
                                                        if (i + k >= n || !strchr("0123456789abcdefABCDEF", s[i + k]) ||
                                                            s[i + k] == 0)
                                                                FAIL("invalid character in \\u hexadecimal character escape");
                                                /* json-c would keep the NUL, but every C consumer reading the
                                                 * string would see it cut short there: refuse it */
                                                if (strneq(s + i + 1, "0000", 4))
                                                        FAIL("\\u0000 in string literal is not supported");
                                                i += 4;
                                        } else if (!strchr("\"\\/bfnrt", s[i]) || s[i] == 0)
                                                FAIL("invalid character in string escape code");
                                }
                                i++;
                        }
                        i++; /* closing quote */
                        st = st == S_KEY || st == S_KEY_OR_CLOSE ? S_COLON : depth > 0 ? S_COMMA_OR_CLOSE : S_END;
                        continue;
                }
                if (c == '-' || (c >= '0' && c <= '9')) {
                        size_t num_start = i;
                        bool integral = true;

                        if (c == '-')
                                i++;
                        if (i < n && s[i] == '0')
                                i++;
                        else if (i < n && s[i] >= '1' && s[i] <= '9')
                                while (i < n && s[i] >= '0' && s[i] <= '9')
                                        i++;
                        else
                                FAIL("invalid character in numeric literal");
                        if (i < n && s[i] == '.') {
                                integral = false;
                                i++;
                                if (!(i < n && s[i] >= '0' && s[i] <= '9'))
                                        FAIL("invalid character after decimal point in numeric literal");
                                while (i < n && s[i] >= '0' && s[i] <= '9')
                                        i++;
                        }
                        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                                integral = false;
                                i++;
                                if (i < n && (s[i] == '+' || s[i] == '-'))
                                        i++;
                                if (!(i < n && s[i] >= '0' && s[i] <= '9'))
                                        FAIL("invalid character in exponent of numeric literal");
                                while (i < n && s[i] >= '0' && s[i] <= '9')
                                        i++;
                        }
                        /* json-c saturates integers beyond int64 and turns huge floats into infinity, silently
                         * changing the value: refuse both, like a typed Go decoder would */
                        if (!json_number_in_range(s + num_start, i - num_start, integral)) {
                                i = num_start;
                                FAIL("number out of range");
                        }
                        st = depth > 0 ? S_COMMA_OR_CLOSE : S_END;
                        continue;
                }
                {
                        static const char *const literals[] = { "true", "false", "null" };
                        bool found = false;

                        for (size_t k = 0; k < ELEMENTSOF(literals); k++) {
                                size_t l = strlen(literals[k]);
                                if (n - i >= l && memcmp(s + i, literals[k], l) == 0) {
                                        i += l;
                                        found = true;
                                        break;
                                }
                        }
                        if (!found)
                                FAIL("invalid character looking for beginning of value");
                        st = depth > 0 ? S_COMMA_OR_CLOSE : S_END;
                }
        }
#undef FAIL
}

int json_parse(const char *buf, size_t len, json_object **ret, char **ret_error) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *copy = NULL;
        enum json_tokener_error jerr;
        const char *what = NULL;
        json_tokener *tok;
        size_t end, offset = 0;
        int r;

        if (!ret || (!buf && len > 0))
                return -EINVAL;

        if (len >= INT32_MAX)
                return set_error(ret_error, -E2BIG, "json parse error: input too large");
        if (memchr(buf, 0, len))
                return set_error(ret_error, -EINVAL, "json parse error: NUL byte at offset %zu",
                                 (size_t) ((const char *) memchr(buf, 0, len) - buf));

        r = json_validate(buf, len, &offset, &what);
        if (r == -E2BIG)
                return set_error(ret_error, r, "json parse error: nesting deeper than %d levels at offset %zu",
                                 KSHIM_MAX_JSON_DEPTH, offset);
        if (r < 0) {
                if (offset < len && buf[offset] >= 0x20 && buf[offset] < 0x7f)
                        return set_error(ret_error, r, "json parse error: %s ('%c') at offset %zu", what,
                                         buf[offset], offset);
                return set_error(ret_error, r, "json parse error: %s at offset %zu", what, offset);
        }

        copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        if (len > 0)
                memcpy(copy, buf, len);
        copy[len] = 0;

        tok = json_tokener_new_ex(KSHIM_MAX_JSON_DEPTH + 1); /* json_validate() enforces the bound */
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        o = json_tokener_parse_ex(tok, copy, (int) len + 1);
        jerr = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);

        if (jerr == json_tokener_error_depth)
                return set_error(ret_error, -E2BIG, "json parse error: nesting deeper than %d levels",
                                 KSHIM_MAX_JSON_DEPTH);
        if (jerr != json_tokener_success) {
                if (len == 0 || strspn(copy, " \t\r\n") == len)
                        return set_error(ret_error, -EINVAL, "json parse error: unexpected end of JSON input");
                return set_error(ret_error, -EINVAL, "json parse error: %s at offset %zu",
                                 json_tokener_error_desc(jerr), MIN(end, len));
        }

        /* json-c stops after one value (strict mode rejects most trailing data itself, but not all). */
        if (end < len && strspn(copy + end, " \t\r\n") != len - end)
                return set_error(ret_error, -EINVAL, "json parse error: trailing data after JSON value at offset %zu",
                                 end);

        *ret = TAKE_PTR(o); /* NULL for a top-level "null" */
        return 0;
}

/* ---- YAML ---- */

typedef struct YamlConverter {
        yaml_parser_t parser;
        char *error;
        int r;
} YamlConverter;

static int yaml_fail(YamlConverter *c, int r, const yaml_mark_t *mark, const char *format, ...) _printf_(4, 5);
static int yaml_fail(YamlConverter *c, int r, const yaml_mark_t *mark, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int k;

        if (c->r < 0) /* keep the first error */
                return c->r;
        c->r = r;

        va_start(ap, format);
        k = vasprintf(&msg, format, ap);
        va_end(ap);
        if (k < 0) {
                msg = NULL;
                return (c->r = -ENOMEM);
        }

        if (mark)
                k = asprintf(&c->error, "error converting YAML to JSON: yaml: line %zu: %s", mark->line + 1, msg);
        else
                k = asprintf(&c->error, "error converting YAML to JSON: yaml: %s", msg);
        if (k < 0) {
                c->error = NULL;
                c->r = -ENOMEM;
        }
        return c->r;
}

static int yaml_next(YamlConverter *c, yaml_event_t *ev) {
        if (!yaml_parser_parse(&c->parser, ev)) {
                if (c->parser.error == YAML_MEMORY_ERROR)
                        return (c->r = -ENOMEM);
                return yaml_fail(c, -EINVAL, &c->parser.problem_mark, "%s",
                                 strempty(c->parser.problem ? c->parser.problem : c->parser.context));
        }
        return 0;
}

static bool str_in(const char *s, const char *const *list) {
        for (; *list; list++)
                if (streq(s, *list))
                        return true;
        return false;
}

static const char *const yaml_null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const yaml_true_words[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                               "on", "On", "ON", NULL };
static const char *const yaml_false_words[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                                "off", "Off", "OFF", NULL };

/* Go's strconv.ParseInt/ParseUint(s, 0, 64) after go-yaml removed '_': optional sign, then 0x/0X hex, 0o/0O
 * or leading-0 octal, 0b/0B binary, or decimal. Returns 1 and the value (as int64 or uint64 magnitude), 0 if
 * not an integer or out of range (the caller then tries float). */
static int yaml_parse_int(const char *s, bool *ret_negative, uint64_t *ret_magnitude) {
        bool neg = false;
        unsigned base = 10;
        uint64_t v = 0;

        if (*s == '+' || *s == '-') {
                neg = *s == '-';
                s++;
        }
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
        } else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
                base = 8;
                s += 2;
        } else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
                base = 2;
                s += 2;
        } else if (s[0] == '0' && s[1] != 0) {
                base = 8;
                s += 1;
        }
        if (*s == 0)
                return 0;

        for (; *s; s++) {
                unsigned d;

                if (*s >= '0' && *s <= '9')
                        d = (unsigned) (*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned) (*s - 'a' + 10);
                else if (*s >= 'A' && *s <= 'F')
                        d = (unsigned) (*s - 'A' + 10);
                else
                        return 0;
                if (d >= base)
                        return 0;
                if (v > (UINT64_MAX - d) / base)
                        return 0;
                v = v * base + d;
        }

        if (neg && v > (uint64_t) INT64_MAX + 1)
                return 0;
        *ret_negative = neg;
        *ret_magnitude = v;
        return 1;
}

/* go-yaml v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_is_float(const char *s) {
        size_t n;

        if (*s == '+' || *s == '-')
                s++;
        if (*s == '.') {
                s++;
                n = strspn(s, "0123456789");
                if (n == 0)
                        return false;
                s += n;
        } else {
                n = strspn(s, "0123456789");
                if (n == 0)
                        return false;
                s += n;
                if (*s == '.') {
                        s++;
                        s += strspn(s, "0123456789");
                }
        }
        if (*s == 'e' || *s == 'E') {
                s++;
                if (*s == '+' || *s == '-')
                        s++;
                n = strspn(s, "0123456789");
                if (n == 0)
                        return false;
                s += n;
        }
        return *s == 0;
}

typedef enum YamlResolved {
        YAML_RESOLVED_STRING,
        YAML_RESOLVED_NULL,
        YAML_RESOLVED_BOOL,
        YAML_RESOLVED_INT,
        YAML_RESOLVED_FLOAT,
        YAML_RESOLVED_NONFINITE,
} YamlResolved;

static const char *const yaml_nonfinite_words[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                                    "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL };

/* Resolve a plain scalar; for numbers also computes the value. */
static YamlResolved yaml_resolve_plain(const char *s, bool *ret_bool, int64_t *ret_int, double *ret_double) {
        _cleanup_free_ char *stripped = NULL;
        bool neg;
        uint64_t mag;

        if (str_in(s, yaml_null_words))
                return YAML_RESOLVED_NULL;
        if (str_in(s, yaml_true_words)) {
                *ret_bool = true;
                return YAML_RESOLVED_BOOL;
        }
        if (str_in(s, yaml_false_words)) {
                *ret_bool = false;
                return YAML_RESOLVED_BOOL;
        }
        if (!strchr("+-.0123456789", s[0]))
                return YAML_RESOLVED_STRING;
        if (str_in(s, yaml_nonfinite_words))
                return YAML_RESOLVED_NONFINITE;

        /* go-yaml drops every '_' before trying numbers */
        stripped = strdup(s);
        if (!stripped)
                return YAML_RESOLVED_STRING; /* OOM shows up again later; a string is a safe answer */
        {
                char *w = stripped;
                for (const char *p = s; *p; p++)
                        if (*p != '_')
                                *w++ = *p;
                *w = 0;
        }

        if (yaml_parse_int(stripped, &neg, &mag)) {
                if (neg) {
                        *ret_int = mag == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) mag;
                        return YAML_RESOLVED_INT;
                }
                if (mag <= (uint64_t) INT64_MAX) {
                        *ret_int = (int64_t) mag;
                        return YAML_RESOLVED_INT;
                }
                /* uint64 beyond int64: json-c cannot hold it as an int; keep it as a (lossy) number */
                *ret_double = (double) mag;
                return YAML_RESOLVED_FLOAT;
        }
        if (yaml_is_float(stripped)) {
                char *end;
                errno = 0;
                *ret_double = strtod(stripped, &end);
                if (*end == 0 && isfinite(*ret_double))
                        return YAML_RESOLVED_FLOAT;
                /* out of range: Go's ParseFloat fails too and the scalar stays a string */
        }
        return YAML_RESOLVED_STRING;
}

/* A double that serializes in its shortest round-tripping form ("0.1", "1000", "1e+21"), like Go's
 * encoding/json, instead of json-c's "%.17g" ("0.10000000000000001", "1000.0"). Readers that take the text
 * (quantities!) then see what the user wrote. */
static json_object *json_new_double_short(double d) {
        char buf[32];

        for (int prec = 15; prec <= 17; prec++) {
                snprintf(buf, sizeof buf, "%.*g", prec, d);
                if (strtod(buf, NULL) == d)
                        return json_object_new_double_s(d, buf);
        }
        return json_object_new_double(d);
}

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

static int yaml_scalar_to_json(YamlConverter *c, const yaml_event_t *ev, json_object **ret) {
        const char *value = (const char *) ev->data.scalar.value;
        size_t length = ev->data.scalar.length;
        const char *tag = (const char *) ev->data.scalar.tag;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        const char *t = NULL;
        json_object *o = NULL;
        YamlResolved k;
        bool b = false;
        int64_t i = 0;
        double d = 0;

        if (memchr(value, 0, length))
                return yaml_fail(c, -EINVAL, &ev->start_mark, "NUL character in scalar");

        if (tag) {
                t = startswith(tag, YAML_TAG_PREFIX);
                if (!t && !streq(tag, "!"))
                        return yaml_fail(c, -EINVAL, &ev->start_mark, "unsupported tag '%s'", tag);
                if (streq(tag, "!"))
                        t = "str";
        }

        if (t && streq(t, "str"))
                k = YAML_RESOLVED_STRING;
        else if (t || plain) {
                k = yaml_resolve_plain(value, &b, &i, &d);
                if (t) {
                        /* an explicit tag must agree with what the scalar resolves to (go-yaml: "cannot
                         * decode !!str `x` as a !!int"); !!float accepts ints */
                        bool ok = (streq(t, "null") && k == YAML_RESOLVED_NULL) ||
                                  (streq(t, "bool") && k == YAML_RESOLVED_BOOL) ||
                                  (streq(t, "int") && k == YAML_RESOLVED_INT) ||
                                  (streq(t, "float") && (k == YAML_RESOLVED_FLOAT || k == YAML_RESOLVED_INT));
                        if (!ok)
                                return yaml_fail(c, -EINVAL, &ev->start_mark, "cannot decode '%s' as !!%s",
                                                 value, t);
                        if (streq(t, "float") && k == YAML_RESOLVED_INT) {
                                k = YAML_RESOLVED_FLOAT;
                                d = (double) i;
                        }
                }
        } else
                k = YAML_RESOLVED_STRING;

        switch (k) {
        case YAML_RESOLVED_NULL:
                *ret = NULL;
                return 0;
        case YAML_RESOLVED_BOOL:
                o = json_object_new_boolean(b);
                break;
        case YAML_RESOLVED_INT:
                o = json_object_new_int64(i);
                break;
        case YAML_RESOLVED_FLOAT:
                o = json_new_double_short(d);
                break;
        case YAML_RESOLVED_NONFINITE:
                return yaml_fail(c, -EINVAL, &ev->start_mark, "'%s': infinity and NaN cannot be represented in JSON",
                                 value);
        case YAML_RESOLVED_STRING:
                if (length > INT_MAX)
                        return yaml_fail(c, -E2BIG, &ev->start_mark, "scalar too long");
                o = json_object_new_string_len(value, (int) length);
                break;
        }
        if (!o)
                return (c->r = -ENOMEM);
        *ret = o;
        return 0;
}

/* The string form of a scalar used as a mapping key, like sigs.k8s.io/yaml's conversion of non-string keys. */
static int yaml_key_to_string(YamlConverter *c, const yaml_event_t *ev, char **ret) {
        _cleanup_(json_object_putp) json_object *v = NULL;
        const char *s;
        int r;

        r = yaml_scalar_to_json(c, ev, &v);
        if (r < 0)
                return r;
        if (!v)
                s = "null";
        else if (json_object_is_type(v, json_type_string))
                s = json_object_get_string(v);
        else if (json_object_is_type(v, json_type_double)) {
                /* Go's strconv.FormatFloat(f, 'g', -1, 64) for keys; %.17g is close enough for keys */
                char buf[64];
                snprintf(buf, sizeof buf, "%.17g", json_object_get_double(v));
                s = buf;
                *ret = strdup(s);
                return *ret ? 0 : (c->r = -ENOMEM);
        } else
                s = json_object_to_json_string(v); /* true/false/123 */

        *ret = strdup(s);
        return *ret ? 0 : (c->r = -ENOMEM);
}

static int yaml_node_to_json(YamlConverter *c, yaml_event_t *ev, unsigned depth, json_object **ret);

static int yaml_mapping_to_json(YamlConverter *c, unsigned depth, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        if (!o)
                return (c->r = -ENOMEM);

        for (;;) {
                _cleanup_(json_object_putp) json_object *v = NULL;
                _cleanup_free_ char *key = NULL;
                yaml_event_t kev, vev;
                int r;

                r = yaml_next(c, &kev);
                if (r < 0)
                        return r;
                if (kev.type == YAML_MAPPING_END_EVENT) {
                        yaml_event_delete(&kev);
                        break;
                }
                if (kev.type == YAML_ALIAS_EVENT) {
                        r = yaml_fail(c, -EINVAL, &kev.start_mark, "aliases are not supported");
                        yaml_event_delete(&kev);
                        return r;
                }
                if (kev.type != YAML_SCALAR_EVENT) {
                        r = yaml_fail(c, -EINVAL, &kev.start_mark, "mapping keys must be scalars");
                        yaml_event_delete(&kev);
                        return r;
                }
                r = yaml_key_to_string(c, &kev, &key);
                yaml_event_delete(&kev);
                if (r < 0)
                        return r;

                r = yaml_next(c, &vev);
                if (r < 0)
                        return r;
                r = yaml_node_to_json(c, &vev, depth + 1, &v);
                yaml_event_delete(&vev);
                if (r < 0)
                        return r;

                if (json_object_object_add(o, key, TAKE_PTR(v)) < 0)
                        return (c->r = -ENOMEM);
        }

        *ret = TAKE_PTR(o);
        return 0;
}

static int yaml_sequence_to_json(YamlConverter *c, unsigned depth, json_object **ret) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!a)
                return (c->r = -ENOMEM);

        for (;;) {
                _cleanup_(json_object_putp) json_object *v = NULL;
                yaml_event_t ev;
                int r;

                r = yaml_next(c, &ev);
                if (r < 0)
                        return r;
                if (ev.type == YAML_SEQUENCE_END_EVENT) {
                        yaml_event_delete(&ev);
                        break;
                }
                r = yaml_node_to_json(c, &ev, depth + 1, &v);
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                if (json_object_array_add(a, TAKE_PTR(v)) < 0)
                        return (c->r = -ENOMEM);
        }

        *ret = TAKE_PTR(a);
        return 0;
}

/* Converts the node that starts with *ev (owned by the caller). */
static int yaml_node_to_json(YamlConverter *c, yaml_event_t *ev, unsigned depth, json_object **ret) {
        switch (ev->type) {
        case YAML_SCALAR_EVENT:
                return yaml_scalar_to_json(c, ev, ret);
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
                if (depth >= KSHIM_MAX_JSON_DEPTH)
                        return yaml_fail(c, -E2BIG, &ev->start_mark, "nesting deeper than %d levels",
                                         KSHIM_MAX_JSON_DEPTH);
                if (ev->type == YAML_MAPPING_START_EVENT)
                        return yaml_mapping_to_json(c, depth, ret);
                return yaml_sequence_to_json(c, depth, ret);
        case YAML_ALIAS_EVENT:
                return yaml_fail(c, -EINVAL, &ev->start_mark, "aliases are not supported");
        default:
                return yaml_fail(c, -EINVAL, &ev->start_mark, "unexpected YAML event %d", (int) ev->type);
        }
}

int yaml_to_json(const char *buf, size_t len, json_object **ret, char **ret_error) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        YamlConverter c = {};
        yaml_event_t ev;
        bool have_document = false;
        int r;

        if (!ret || (!buf && len > 0))
                return -EINVAL;

        if (!yaml_parser_initialize(&c.parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&c.parser, (const unsigned char *) (buf ?: ""), len);

        for (;;) {
                r = yaml_next(&c, &ev);
                if (r < 0)
                        goto finish;

                switch (ev.type) {
                case YAML_STREAM_START_EVENT:
                case YAML_DOCUMENT_END_EVENT:
                        break;
                case YAML_DOCUMENT_START_EVENT:
                        break;
                case YAML_STREAM_END_EVENT:
                        yaml_event_delete(&ev);
                        goto finish;
                default:
                        if (have_document) {
                                /* a later document must be empty ("a: 1\n---\n" is common in files) */
                                if (ev.type != YAML_SCALAR_EVENT || ev.data.scalar.length != 0 ||
                                    ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev.data.scalar.tag)
                                        r = yaml_fail(&c, -EINVAL, &ev.start_mark,
                                                      "expected a single YAML document, found more");
                                break;
                        }
                        have_document = true;
                        r = yaml_node_to_json(&c, &ev, 0, &o);
                        break;
                }
                yaml_event_delete(&ev);
                if (r < 0)
                        goto finish;
        }

finish:
        yaml_parser_delete(&c.parser);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(c.error);
                free(c.error);
                return r;
        }
        free(c.error);

        *ret = TAKE_PTR(o); /* NULL (JSON null) for an empty stream */
        return 0;
}
