/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Label and field selectors.
 *
 * Label selectors follow k8s.io/apimachinery/pkg/labels/selector.go: a lexer that splits the input into
 * identifiers and the symbols ! != = == ( ) , < > (whitespace separates), the keywords "in" and "notin",
 * and a recursive-descent parser over that token stream:
 *
 *     selector    := requirement { ',' requirement }     (empty input = everything)
 *     requirement := '!' KEY | KEY [ op ]
 *     op          := ('=' | '==' | '!=') [VALUE] | ('in' | 'notin') '(' [VALUE {',' [VALUE]}] ')'
 *                  | ('<' | '>') INTEGER
 *
 * Keys are checked as qualified names, values as label values. Requirements are kept sorted by key (as
 * upstream sorts them), values of a requirement sorted and de-duplicated, so the string form is canonical.
 *
 * Field selectors follow k8s.io/apimachinery/pkg/fields/selector.go: terms split at unescaped ',', each term
 * split at the first "!=", "==" or "=", the value unescaped (\\ \, \= only; an unescaped ',' or '=' in a value
 * is an error). Note: upstream does not escape '!', so neither do we.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "kshim-limits.h"
#include "selector.h"
#include "validation.h"

typedef enum LabelOp {
        LABEL_OP_EQUALS,         /* k=v */
        LABEL_OP_DOUBLE_EQUALS,  /* k==v */
        LABEL_OP_NOT_EQUALS,     /* k!=v */
        LABEL_OP_IN,             /* k in (a,b) */
        LABEL_OP_NOT_IN,         /* k notin (a,b) */
        LABEL_OP_EXISTS,         /* k */
        LABEL_OP_DOES_NOT_EXIST, /* !k */
        LABEL_OP_GREATER_THAN,   /* k>5 */
        LABEL_OP_LESS_THAN,      /* k<5 */
} LabelOp;

typedef struct LabelRequirement {
        char *key;
        LabelOp op;
        char **values; /* sorted, unique */
        size_t n_values;
} LabelRequirement;

struct LabelSelector {
        LabelRequirement *reqs; /* sorted by key */
        size_t n_reqs;
};

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

static void requirement_done(LabelRequirement *r) {
        free(r->key);
        for (size_t i = 0; i < r->n_values; i++)
                free(r->values[i]);
        free(r->values);
        *r = (LabelRequirement) {};
}

LabelSelector *label_selector_free(LabelSelector *sel) {
        if (!sel)
                return NULL;
        for (size_t i = 0; i < sel->n_reqs; i++)
                requirement_done(&sel->reqs[i]);
        free(sel->reqs);
        free(sel);
        return NULL;
}

bool label_selector_is_empty(const LabelSelector *sel) {
        return !sel || sel->n_reqs == 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int cmp_req(const void *a, const void *b) {
        const LabelRequirement *x = a, *y = b;
        int c = strcmp(x->key, y->key);
        return c != 0 ? c : (int) x->op - (int) y->op;
}

/* Add a value to a requirement (takes ownership of v; duplicates dropped later). */
static int requirement_add_value(LabelRequirement *r, char *v) {
        char **n;

        if (!v)
                return -ENOMEM;
        n = realloc(r->values, (r->n_values + 1) * sizeof(char *));
        if (!n) {
                free(v);
                return -ENOMEM;
        }
        r->values = n;
        r->values[r->n_values++] = v;
        return 0;
}

static void requirement_normalize(LabelRequirement *r) {
        size_t j = 0;

        if (r->n_values == 0)
                return;
        qsort(r->values, r->n_values, sizeof(char *), cmp_str);
        for (size_t i = 1; i < r->n_values; i++) {
                if (streq(r->values[i], r->values[j]))
                        free(r->values[i]);
                else
                        r->values[++j] = r->values[i];
        }
        r->n_values = j + 1;
}

static int selector_add(LabelSelector *sel, LabelRequirement *req) {
        LabelRequirement *n;

        n = realloc(sel->reqs, (sel->n_reqs + 1) * sizeof(LabelRequirement));
        if (!n)
                return -ENOMEM;
        sel->reqs = n;
        requirement_normalize(req);
        sel->reqs[sel->n_reqs++] = *req;
        *req = (LabelRequirement) {};
        return 0;
}

/* ---- lexer ---- */

typedef enum TokenType {
        TOKEN_END,
        TOKEN_IDENTIFIER,
        TOKEN_DOES_NOT_EXIST, /* ! */
        TOKEN_NOT_EQUALS,     /* != */
        TOKEN_EQUALS,         /* = */
        TOKEN_DOUBLE_EQUALS,  /* == */
        TOKEN_OPEN_PAR,
        TOKEN_CLOSED_PAR,
        TOKEN_COMMA,
        TOKEN_GREATER_THAN,
        TOKEN_LESS_THAN,
        TOKEN_IN,
        TOKEN_NOT_IN,
} TokenType;

typedef struct Lexer {
        const char *s;
        size_t pos;
        /* current token */
        TokenType type;
        const char *tok;
        size_t tok_len;
} Lexer;

static bool is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c) {
        return c && strchr("=!(),<>", c);
}

static void lex_next(Lexer *l) {
        const char *s = l->s;

        while (is_ws(s[l->pos]))
                l->pos++;
        l->tok = s + l->pos;
        l->tok_len = 0;

        if (s[l->pos] == 0) {
                l->type = TOKEN_END;
                return;
        }
        if (is_special(s[l->pos])) {
                static const struct {
                        const char *sym;
                        TokenType type;
                } symbols[] = {
                        /* longest first */
                        { "!=", TOKEN_NOT_EQUALS },   { "==", TOKEN_DOUBLE_EQUALS }, { "!", TOKEN_DOES_NOT_EXIST },
                        { "=", TOKEN_EQUALS },        { "(", TOKEN_OPEN_PAR },       { ")", TOKEN_CLOSED_PAR },
                        { ",", TOKEN_COMMA },         { ">", TOKEN_GREATER_THAN },   { "<", TOKEN_LESS_THAN },
                };
                for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
                        size_t n = strlen(symbols[i].sym);
                        if (strneq(s + l->pos, symbols[i].sym, n)) {
                                l->type = symbols[i].type;
                                l->tok_len = n;
                                l->pos += n;
                                return;
                        }
                }
        }
        while (s[l->pos] && !is_ws(s[l->pos]) && !is_special(s[l->pos]))
                l->pos++;
        l->tok_len = (size_t) (s + l->pos - l->tok);
        if (l->tok_len == 2 && strneq(l->tok, "in", 2))
                l->type = TOKEN_IN;
        else if (l->tok_len == 5 && strneq(l->tok, "notin", 5))
                l->type = TOKEN_NOT_IN;
        else
                l->type = TOKEN_IDENTIFIER;
}

static const char *token_text(const Lexer *l, char *buf, size_t size) {
        size_t n = MIN(l->tok_len, size - 1);
        memcpy(buf, l->tok, n);
        buf[n] = 0;
        return buf;
}

static int unexpected(const Lexer *l, char **ret_error, const char *expected) {
        char buf[128];
        return set_error(ret_error, -EINVAL, "unable to parse requirement: found '%s', expected: %s",
                         token_text(l, buf, sizeof buf), expected);
}

static int check_key(const char *key, char **ret_error) {
        _cleanup_free_ char *m = NULL;
        int r = k8s_validate_label_key(key, &m);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_error(ret_error, r, "unable to parse requirement: invalid label key \"%s\": %s", key,
                                 strempty(m));
        return 0;
}

static int check_value(const char *v, char **ret_error) {
        _cleanup_free_ char *m = NULL;
        int r = k8s_validate_label_value(v, &m);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_error(ret_error, r, "unable to parse requirement: invalid label value: \"%s\": %s", v,
                                 strempty(m));
        return 0;
}

/* strconv.ParseInt(s, 10, 64) */
static bool parse_int64(const char *s, int64_t *ret) {
        bool neg = false;
        uint64_t v = 0;

        if (*s == '+' || *s == '-')
                neg = *s++ == '-';
        if (*s == 0)
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                if (v > (UINT64_MAX - 9) / 10)
                        return false;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        if (v > (uint64_t) INT64_MAX + (neg ? 1 : 0))
                return false;
        *ret = neg ? (v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v) : (int64_t) v;
        return true;
}

static int parse_requirement(Lexer *l, LabelRequirement *req, char **ret_error) {
        int r;

        if (l->type == TOKEN_DOES_NOT_EXIST) {
                req->op = LABEL_OP_DOES_NOT_EXIST;
                lex_next(l);
        } else
                req->op = LABEL_OP_EXISTS;

        if (l->type != TOKEN_IDENTIFIER)
                return unexpected(l, ret_error, "identifier");
        req->key = strndup(l->tok, l->tok_len);
        if (!req->key)
                return -ENOMEM;
        r = check_key(req->key, ret_error);
        if (r < 0)
                return r;
        lex_next(l);

        if (req->op == LABEL_OP_DOES_NOT_EXIST || l->type == TOKEN_END || l->type == TOKEN_COMMA)
                return 0;

        switch (l->type) {
        case TOKEN_EQUALS:
        case TOKEN_DOUBLE_EQUALS:
        case TOKEN_NOT_EQUALS:
                req->op = l->type == TOKEN_EQUALS ? LABEL_OP_EQUALS :
                          l->type == TOKEN_DOUBLE_EQUALS ? LABEL_OP_DOUBLE_EQUALS : LABEL_OP_NOT_EQUALS;
                lex_next(l);
                if (l->type == TOKEN_END || l->type == TOKEN_COMMA) /* "k=" selects the empty value */
                        return requirement_add_value(req, strdup(""));
                if (l->type != TOKEN_IDENTIFIER && l->type != TOKEN_IN && l->type != TOKEN_NOT_IN)
                        return unexpected(l, ret_error, "identifier");
                r = requirement_add_value(req, strndup(l->tok, l->tok_len));
                if (r < 0)
                        return r;
                r = check_value(req->values[0], ret_error);
                if (r < 0)
                        return r;
                lex_next(l);
                return 0;

        case TOKEN_GREATER_THAN:
        case TOKEN_LESS_THAN: {
                int64_t dummy;

                req->op = l->type == TOKEN_GREATER_THAN ? LABEL_OP_GREATER_THAN : LABEL_OP_LESS_THAN;
                lex_next(l);
                if (l->type != TOKEN_IDENTIFIER)
                        return unexpected(l, ret_error, "identifier");
                r = requirement_add_value(req, strndup(l->tok, l->tok_len));
                if (r < 0)
                        return r;
                if (!parse_int64(req->values[0], &dummy))
                        return set_error(ret_error, -EINVAL,
                                         "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
                lex_next(l);
                return 0;
        }

        case TOKEN_IN:
        case TOKEN_NOT_IN:
                req->op = l->type == TOKEN_IN ? LABEL_OP_IN : LABEL_OP_NOT_IN;
                lex_next(l);
                if (l->type != TOKEN_OPEN_PAR)
                        return unexpected(l, ret_error, "'('");
                lex_next(l);
                /* values: identifiers separated by commas; empty entries are the empty value */
                for (bool need_value = true;;) {
                        if (l->type == TOKEN_IDENTIFIER || l->type == TOKEN_IN || l->type == TOKEN_NOT_IN) {
                                if (!need_value)
                                        return unexpected(l, ret_error, "',' or ')'");
                                r = requirement_add_value(req, strndup(l->tok, l->tok_len));
                                if (r < 0)
                                        return r;
                                r = check_value(req->values[req->n_values - 1], ret_error);
                                if (r < 0)
                                        return r;
                                need_value = false;
                                lex_next(l);
                        } else if (l->type == TOKEN_COMMA || l->type == TOKEN_CLOSED_PAR) {
                                if (need_value) {
                                        r = requirement_add_value(req, strdup(""));
                                        if (r < 0)
                                                return r;
                                }
                                if (l->type == TOKEN_CLOSED_PAR) {
                                        lex_next(l);
                                        break;
                                }
                                need_value = true;
                                lex_next(l);
                        } else
                                return unexpected(l, ret_error, "identifier, ',' or ')'");
                        if (req->n_values > KSHIM_SELECTOR_MAX_TERMS)
                                return set_error(ret_error, -E2BIG,
                                                 "unable to parse requirement: more than %u values for key \"%s\"",
                                                 KSHIM_SELECTOR_MAX_TERMS, req->key);
                }
                return 0;

        default:
                return unexpected(l, ret_error, "'=', '!=', '==', 'in', 'notin', '<', '>', ',' or end of string");
        }
}

int label_selector_parse(const char *s, LabelSelector **ret, char **ret_error) {
        _cleanup_(label_selector_freep) LabelSelector *sel = NULL;
        Lexer l = { .s = strempty(s) };
        int r;

        if (!ret)
                return -EINVAL;

        sel = calloc(1, sizeof(LabelSelector));
        if (!sel)
                return -ENOMEM;

        lex_next(&l);
        if (l.type != TOKEN_END)
                for (;;) {
                        LabelRequirement req = {};

                        if (sel->n_reqs >= KSHIM_SELECTOR_MAX_TERMS)
                                return set_error(ret_error, -E2BIG, "label selector has more than %u terms",
                                                 KSHIM_SELECTOR_MAX_TERMS);
                        r = parse_requirement(&l, &req, ret_error);
                        if (r >= 0)
                                r = selector_add(sel, &req);
                        if (r < 0) {
                                requirement_done(&req);
                                return r;
                        }
                        if (l.type == TOKEN_END)
                                break;
                        if (l.type != TOKEN_COMMA)
                                return unexpected(&l, ret_error, "',' or end of string");
                        lex_next(&l);
                }

        if (sel->n_reqs > 1)
                qsort(sel->reqs, sel->n_reqs, sizeof(LabelRequirement), cmp_req);
        *ret = TAKE_PTR(sel);
        return 0;
}

int label_selector_from_json(json_object *j, LabelSelector **ret, char **ret_error) {
        _cleanup_(label_selector_freep) LabelSelector *sel = NULL;
        json_object *ml = NULL, *me = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        if (j && !json_object_is_type(j, json_type_object))
                return set_error(ret_error, -EINVAL, "label selector must be an object");

        sel = calloc(1, sizeof(LabelSelector));
        if (!sel)
                return -ENOMEM;

        if (j) {
                (void) json_object_object_get_ex(j, "matchLabels", &ml);
                (void) json_object_object_get_ex(j, "matchExpressions", &me);
        }
        if (ml && !json_object_is_type(ml, json_type_object))
                return set_error(ret_error, -EINVAL, "matchLabels must be an object");
        if (me && !json_object_is_type(me, json_type_array))
                return set_error(ret_error, -EINVAL, "matchExpressions must be an array");

        if (ml) {
                json_object_object_foreach(ml, k, v) {
                        LabelRequirement req = { .op = LABEL_OP_EQUALS };

                        if (sel->n_reqs >= KSHIM_SELECTOR_MAX_TERMS)
                                return set_error(ret_error, -E2BIG, "label selector has more than %u terms",
                                                 KSHIM_SELECTOR_MAX_TERMS);
                        if (!json_object_is_type(v, json_type_string))
                                return set_error(ret_error, -EINVAL, "matchLabels[\"%s\"] must be a string", k);
                        r = check_key(k, ret_error);
                        if (r < 0)
                                return r;
                        r = check_value(json_object_get_string(v), ret_error);
                        if (r < 0)
                                return r;
                        req.key = strdup(k);
                        r = req.key ? requirement_add_value(&req, strdup(json_object_get_string(v))) : -ENOMEM;
                        if (r >= 0)
                                r = selector_add(sel, &req);
                        if (r < 0) {
                                requirement_done(&req);
                                return r;
                        }
                }
        }

        for (size_t i = 0; me && i < json_object_array_length(me); i++) {
                json_object *e = json_object_array_get_idx(me, i), *values = NULL;
                const char *key = json_get_string(e, "key"), *op = json_get_string(e, "operator");
                LabelRequirement req = {};
                size_t n_values;

                if (sel->n_reqs >= KSHIM_SELECTOR_MAX_TERMS)
                        return set_error(ret_error, -E2BIG, "label selector has more than %u terms",
                                         KSHIM_SELECTOR_MAX_TERMS);
                if (!key)
                        return set_error(ret_error, -EINVAL, "matchExpressions[%zu].key: Required value", i);
                r = check_key(key, ret_error);
                if (r < 0)
                        return r;
                if (streq_ptr(op, "In"))
                        req.op = LABEL_OP_IN;
                else if (streq_ptr(op, "NotIn"))
                        req.op = LABEL_OP_NOT_IN;
                else if (streq_ptr(op, "Exists"))
                        req.op = LABEL_OP_EXISTS;
                else if (streq_ptr(op, "DoesNotExist"))
                        req.op = LABEL_OP_DOES_NOT_EXIST;
                else
                        return set_error(ret_error, -EINVAL, "\"%s\" is not a valid label selector operator",
                                         strempty(op));

                (void) json_object_object_get_ex(e, "values", &values);
                if (values && !json_object_is_type(values, json_type_array))
                        return set_error(ret_error, -EINVAL, "matchExpressions[%zu].values must be an array", i);
                n_values = values ? json_object_array_length(values) : 0;
                if ((req.op == LABEL_OP_IN || req.op == LABEL_OP_NOT_IN) && n_values == 0)
                        return set_error(ret_error, -EINVAL,
                                         "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
                if ((req.op == LABEL_OP_EXISTS || req.op == LABEL_OP_DOES_NOT_EXIST) && n_values > 0)
                        return set_error(ret_error, -EINVAL,
                                         "values: Invalid value: values set must be empty for exists and does not exist");
                if (n_values > KSHIM_SELECTOR_MAX_TERMS)
                        return set_error(ret_error, -E2BIG, "matchExpressions[%zu] has more than %u values", i,
                                         KSHIM_SELECTOR_MAX_TERMS);

                req.key = strdup(key);
                if (!req.key)
                        return -ENOMEM;
                for (size_t k = 0; k < n_values; k++) {
                        json_object *v = json_object_array_get_idx(values, k);

                        if (!json_object_is_type(v, json_type_string))
                                r = set_error(ret_error, -EINVAL, "matchExpressions[%zu].values[%zu] must be a string", i, k);
                        else
                                r = check_value(json_object_get_string(v), ret_error);
                        if (r >= 0)
                                r = requirement_add_value(&req, strdup(json_object_get_string(v)));
                        if (r < 0) {
                                requirement_done(&req);
                                return r;
                        }
                }
                r = selector_add(sel, &req);
                if (r < 0) {
                        requirement_done(&req);
                        return r;
                }
        }

        if (sel->n_reqs > 1)
                qsort(sel->reqs, sel->n_reqs, sizeof(LabelRequirement), cmp_req);
        *ret = TAKE_PTR(sel);
        return 0;
}

static bool has_value(const LabelRequirement *r, const char *v) {
        return r->n_values > 0 && bsearch(&v, r->values, r->n_values, sizeof(char *), cmp_str) != NULL;
}

static bool requirement_matches(const LabelRequirement *r, json_object *labels) {
        json_object *v = NULL;
        const char *value = NULL;
        int64_t a, b;

        if (labels && json_object_is_type(labels, json_type_object) &&
            json_object_object_get_ex(labels, r->key, &v) && json_object_is_type(v, json_type_string))
                value = json_object_get_string(v);

        switch (r->op) {
        case LABEL_OP_EXISTS:
                return value;
        case LABEL_OP_DOES_NOT_EXIST:
                return !value;
        case LABEL_OP_EQUALS:
        case LABEL_OP_DOUBLE_EQUALS:
        case LABEL_OP_IN:
                return value && has_value(r, value);
        case LABEL_OP_NOT_EQUALS:
        case LABEL_OP_NOT_IN:
                return !value || !has_value(r, value);
        case LABEL_OP_GREATER_THAN:
        case LABEL_OP_LESS_THAN:
                if (!value || r->n_values != 1 || !parse_int64(value, &a) || !parse_int64(r->values[0], &b))
                        return false;
                return r->op == LABEL_OP_GREATER_THAN ? a > b : a < b;
        }
        return false;
}

bool label_selector_matches(const LabelSelector *sel, json_object *labels) {
        if (!sel)
                return true;
        for (size_t i = 0; i < sel->n_reqs; i++)
                if (!requirement_matches(&sel->reqs[i], labels))
                        return false;
        return true;
}

char *label_selector_to_string(const LabelSelector *sel) {
        static const char *const op_text[] = {
                [LABEL_OP_EQUALS] = "=",         [LABEL_OP_DOUBLE_EQUALS] = "==", [LABEL_OP_NOT_EQUALS] = "!=",
                [LABEL_OP_IN] = " in ",          [LABEL_OP_NOT_IN] = " notin ",   [LABEL_OP_EXISTS] = "",
                [LABEL_OP_DOES_NOT_EXIST] = "",  [LABEL_OP_GREATER_THAN] = ">",   [LABEL_OP_LESS_THAN] = "<",
        };
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        for (size_t i = 0; sel && i < sel->n_reqs; i++) {
                const LabelRequirement *r = &sel->reqs[i];

                if (i > 0)
                        fputc(',', f);
                if (r->op == LABEL_OP_DOES_NOT_EXIST)
                        fputc('!', f);
                fputs(r->key, f);
                fputs(op_text[r->op], f);
                if (r->op == LABEL_OP_IN || r->op == LABEL_OP_NOT_IN) {
                        fputc('(', f);
                        for (size_t k = 0; k < r->n_values; k++)
                                fprintf(f, "%s%s", k > 0 ? "," : "", r->values[k]);
                        fputc(')', f);
                } else if (r->n_values > 0)
                        fputs(r->values[0], f);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* ---- field selectors ---- */

typedef struct FieldTerm {
        char *field;
        char *value; /* unescaped */
        bool negated;
} FieldTerm;

struct FieldSelector {
        FieldTerm *terms;
        size_t n_terms;
};

FieldSelector *field_selector_free(FieldSelector *sel) {
        if (!sel)
                return NULL;
        for (size_t i = 0; i < sel->n_terms; i++) {
                free(sel->terms[i].field);
                free(sel->terms[i].value);
        }
        free(sel->terms);
        free(sel);
        return NULL;
}

/* fields.UnescapeValue() */
static int unescape_value(const char *s, size_t n, char **ret, char **ret_error) {
        _cleanup_free_ char *v = malloc(n + 1);
        size_t j = 0;
        bool in_slash = false;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (in_slash) {
                        if (c != '\\' && c != ',' && c != '=')
                                return set_error(ret_error, -EINVAL,
                                                 "invalid field selector: invalid escape sequence: \\%c", c);
                        v[j++] = c;
                        in_slash = false;
                } else if (c == '\\')
                        in_slash = true;
                else if (c == ',' || c == '=')
                        return set_error(ret_error, -EINVAL,
                                         "invalid field selector: unescaped character in value: '%c'", c);
                else
                        v[j++] = c;
        }
        if (in_slash)
                return set_error(ret_error, -EINVAL, "invalid field selector: invalid escape sequence: \\");
        v[j] = 0;
        *ret = TAKE_PTR(v);
        return 0;
}

int field_selector_parse(const char *s, FieldSelector **ret, char **ret_error) {
        _cleanup_(field_selector_freep) FieldSelector *sel = NULL;
        size_t start = 0, n;
        bool in_slash = false;
        int r;

        if (!ret)
                return -EINVAL;
        s = strempty(s);
        n = strlen(s);

        sel = calloc(1, sizeof(FieldSelector));
        if (!sel)
                return -ENOMEM;

        /* fields.splitTerms(): split at commas not preceded by an escaping backslash */
        for (size_t i = 0; i <= n; i++) {
                const char *term = s + start, *op = NULL;
                size_t term_len, op_len = 0;
                FieldTerm *nt, t = {};

                if (i < n) {
                        if (in_slash) {
                                in_slash = false;
                                continue;
                        }
                        if (s[i] == '\\')
                                in_slash = true;
                        if (s[i] != ',')
                                continue;
                }
                term_len = i - start;
                start = i + 1;
                if (term_len == 0)
                        continue;

                if (sel->n_terms >= KSHIM_SELECTOR_MAX_TERMS)
                        return set_error(ret_error, -E2BIG, "field selector has more than %u terms",
                                         KSHIM_SELECTOR_MAX_TERMS);

                /* fields.splitTerm(): the first position where "!=", "==" or "=" starts */
                for (size_t k = 0; k < term_len && !op; k++) {
                        if (k + 1 < term_len && (strneq(term + k, "!=", 2) || strneq(term + k, "==", 2))) {
                                op = term + k;
                                op_len = 2;
                        } else if (term[k] == '=') {
                                op = term + k;
                                op_len = 1;
                        }
                }
                if (!op)
                        return set_error(ret_error, -EINVAL, "invalid selector: '%s'; can't understand '%.*s'", s,
                                         (int) term_len, term);

                t.negated = op[0] == '!';
                t.field = strndup(term, (size_t) (op - term));
                if (!t.field)
                        return -ENOMEM;
                r = unescape_value(op + op_len, term_len - (size_t) (op - term) - op_len, &t.value, ret_error);
                if (r < 0) {
                        free(t.field);
                        return r;
                }

                nt = realloc(sel->terms, (sel->n_terms + 1) * sizeof(FieldTerm));
                if (!nt) {
                        free(t.field);
                        free(t.value);
                        return -ENOMEM;
                }
                sel->terms = nt;
                sel->terms[sel->n_terms++] = t;
        }

        *ret = TAKE_PTR(sel);
        return 0;
}

size_t field_selector_n_terms(const FieldSelector *sel) {
        return sel ? sel->n_terms : 0;
}

const char *field_selector_term_field(const FieldSelector *sel, size_t i) {
        return sel && i < sel->n_terms ? sel->terms[i].field : NULL;
}

const char *field_selector_term_value(const FieldSelector *sel, size_t i) {
        return sel && i < sel->n_terms ? sel->terms[i].value : NULL;
}

bool field_selector_term_is_negated(const FieldSelector *sel, size_t i) {
        return sel && i < sel->n_terms && sel->terms[i].negated;
}

bool field_selector_matches(const FieldSelector *sel, field_getter_t get, void *userdata) {
        for (size_t i = 0; sel && i < sel->n_terms; i++) {
                const char *v = get ? get(userdata, sel->terms[i].field) : NULL;
                bool eq = streq(strempty(v), sel->terms[i].value);

                if (eq == sel->terms[i].negated)
                        return false;
        }
        return true;
}

bool field_selector_is_empty(const FieldSelector *sel) {
        return !sel || sel->n_terms == 0;
}

const char *field_selector_exact_match(const FieldSelector *sel, const char *field) {
        for (size_t i = 0; sel && field && i < sel->n_terms; i++)
                if (!sel->terms[i].negated && streq(sel->terms[i].field, field))
                        return sel->terms[i].value;
        return NULL;
}
