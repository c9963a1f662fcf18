/* SPDX-License-Identifier: Apache-2.0 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kshim-limits.h"
#include "selector.h"

static json_object *labels(const char *s) {
        json_object *o = NULL;
        assert_int_equal(json_parse(s, strlen(s), &o, NULL), 0);
        return o;
}

static void check_string(const char *in, const char *canonical) {
        _cleanup_(label_selector_freep) LabelSelector *sel = NULL;
        _cleanup_free_ char *err = NULL, *out = NULL;
        int r = label_selector_parse(in, &sel, &err);

        if (r < 0)
                fail_msg("'%s' rejected: %s", in, strempty(err));
        out = label_selector_to_string(sel);
        assert_non_null(out);
        if (!streq(out, canonical))
                fail_msg("'%s': expected '%s', got '%s'", in, canonical, out);
}

static void check_bad(const char *in, int expected) {
        LabelSelector *sel = (LabelSelector *) 0x1;
        _cleanup_free_ char *err = NULL;
        int r = label_selector_parse(in, &sel, &err);

        if (r >= 0)
                fail_msg("'%s' accepted", in);
        assert_int_equal(r, expected);
        assert_ptr_equal(sel, (LabelSelector *) 0x1);
        assert_non_null(err);
}

static void test_label_parse(void **state) {
        /* upstream TestSelectorParse / TestLexer-derived cases */
        check_string("", "");
        check_string("   ", "");
        check_string("x=a,y=b,z=c", "x=a,y=b,z=c");
        check_string("z=c,y=b,x=a", "x=a,y=b,z=c"); /* sorted by key */
        check_string("x = a , y == b", "x=a,y==b");
        check_string("x!=a,y=b", "x!=a,y=b");
        check_string("x=,z= ", "x=,z=");
        check_string("x= ,z= ", "x=,z=");
        check_string("!x", "!x");
        check_string("x", "x");
        check_string(" x ", "x");
        check_string("x>1", "x>1");
        check_string("x<-1", "x<-1");
        check_string("x in (b,a)", "x in (a,b)");
        check_string("x in(a)", "x in (a)");
        check_string("x in (a,a,b)", "x in (a,b)");
        check_string("x notin (a, b), y", "x notin (a,b),y");
        check_string("x in ()", "x in ()");
        check_string("x in (,a)", "x in (,a)");
        check_string("environment in (production, qa),tier notin (frontend,backend),partition",
                     "environment in (production,qa),partition,tier notin (backend,frontend)");
        check_string("!example.com/x,app.kubernetes.io/name=web", "app.kubernetes.io/name=web,!example.com/x");

        check_bad("x=a||y=b", -EINVAL);
        check_bad("x==a==b", -EINVAL);
        check_bad("!x=a", -EINVAL);
        check_bad("x<a", -EINVAL);
        check_bad("x in (a", -EINVAL);
        check_bad("x in a", -EINVAL);
        check_bad("x in (a b)", -EINVAL);
        check_bad("x notin", -EINVAL);
        check_bad("x=a,", -EINVAL);
        check_bad(",x=a", -EINVAL);
        check_bad("x=a y=b", -EINVAL);
        check_bad("-x=a", -EINVAL);          /* bad key */
        check_bad("x=-a", -EINVAL);          /* bad value */
        check_bad("x in (a,-b)", -EINVAL);
        check_bad("a/b/c=d", -EINVAL);
        check_bad("in=a", -EINVAL);
        check_bad("!", -EINVAL);
        check_bad("(x)", -EINVAL);
        check_bad("x=(a)", -EINVAL);
}

static void test_label_limits(void **state) {
        _cleanup_free_ char *s = NULL, *vals = NULL;
        size_t n = 0;
        FILE *f;

        f = open_memstream(&s, &n);
        assert_non_null(f);
        for (unsigned i = 0; i < KSHIM_SELECTOR_MAX_TERMS; i++)
                fprintf(f, "%sk%u=v", i ? "," : "", i);
        assert_int_equal(fclose(f), 0);
        {
                _cleanup_(label_selector_freep) LabelSelector *sel = NULL;
                assert_int_equal(label_selector_parse(s, &sel, NULL), 0);
        }
        free(s);
        s = NULL;
        f = open_memstream(&s, &n);
        assert_non_null(f);
        for (unsigned i = 0; i <= KSHIM_SELECTOR_MAX_TERMS; i++)
                fprintf(f, "%sk%u=v", i ? "," : "", i);
        assert_int_equal(fclose(f), 0);
        check_bad(s, -E2BIG);

        f = open_memstream(&vals, &n);
        assert_non_null(f);
        fputs("k in (", f);
        for (unsigned i = 0; i <= KSHIM_SELECTOR_MAX_TERMS; i++)
                fprintf(f, "%sv%u", i ? "," : "", i);
        fputs(")", f);
        assert_int_equal(fclose(f), 0);
        check_bad(vals, -E2BIG);
}

static bool matches(const char *sel_s, const char *labels_json) {
        _cleanup_(label_selector_freep) LabelSelector *sel = NULL;
        _cleanup_(json_object_putp) json_object *l = labels_json ? labels(labels_json) : NULL;

        assert_int_equal(label_selector_parse(sel_s, &sel, NULL), 0);
        return label_selector_matches(sel, l);
}

static void test_label_match(void **state) {
        const char *l = "{\"app\":\"web\",\"tier\":\"front\",\"n\":\"5\",\"e\":\"\"}";

        assert_true(matches("", l));
        assert_true(matches("", NULL));
        assert_true(matches("app=web", l));
        assert_true(matches("app==web,tier=front", l));
        assert_false(matches("app=web,tier=back", l));
        assert_false(matches("app=db", l));
        assert_true(matches("app!=db", l));
        assert_false(matches("app!=web", l));
        assert_true(matches("missing!=x", l));      /* != matches objects without the key */
        assert_true(matches("missing notin (x)", l));
        assert_true(matches("app in (db,web)", l));
        assert_false(matches("app notin (db,web)", l));
        assert_true(matches("app", l));
        assert_false(matches("!app", l));
        assert_true(matches("!missing", l));
        assert_false(matches("missing", l));
        assert_false(matches("missing=", l));
        assert_true(matches("e=", l));
        assert_true(matches("e in ()", l));
        assert_true(matches("n>4,n<6", l));
        assert_false(matches("n>5", l));
        assert_false(matches("app>1", l));          /* not an integer */
        assert_false(matches("app=web", NULL));
        assert_true(matches("app!=web", NULL));
        assert_true(matches("!app", "{}"));
        assert_false(matches("app", "{\"app\":1}")); /* non-string value = absent */
}

static void test_label_json(void **state) {
        static const struct {
                const char *json;
                const char *canonical; /* NULL = must fail */
        } cases[] = {
                { "{}", "" },
                { "{\"matchLabels\":{\"b\":\"2\",\"a\":\"1\"}}", "a=1,b=2" },
                { "{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"y\",\"x\"]},"
                  "{\"key\":\"u\",\"operator\":\"Exists\"},{\"key\":\"v\",\"operator\":\"DoesNotExist\",\"values\":[]},"
                  "{\"key\":\"w\",\"operator\":\"NotIn\",\"values\":[\"z\"]}],\"matchLabels\":{\"app\":\"web\"}}",
                  "app=web,t in (x,y),u,!v,w notin (z)" },
                { "{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\",\"values\":[]}]}", NULL },
                { "{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\"}]}", NULL },
                { "{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"Exists\",\"values\":[\"a\"]}]}", NULL },
                { "{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"Gt\",\"values\":[\"1\"]}]}", NULL },
                { "{\"matchExpressions\":[{\"operator\":\"Exists\"}]}", NULL },
                { "{\"matchExpressions\":[{\"key\":\"-t\",\"operator\":\"Exists\"}]}", NULL },
                { "{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\",\"values\":[1]}]}", NULL },
                { "{\"matchLabels\":{\"a\":\"bad value\"}}", NULL },
                { "{\"matchLabels\":{\"a\":1}}", NULL },
                { "{\"matchLabels\":[]}", NULL },
                { "[]", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(json_object_putp) json_object *j = labels(cases[i].json);
                _cleanup_(label_selector_freep) LabelSelector *sel = NULL;
                _cleanup_free_ char *err = NULL, *out = NULL;
                int r = label_selector_from_json(j, &sel, &err);

                if (!cases[i].canonical) {
                        if (r >= 0)
                                fail_msg("%s accepted", cases[i].json);
                        assert_non_null(err);
                        continue;
                }
                if (r < 0)
                        fail_msg("%s rejected: %s", cases[i].json, strempty(err));
                out = label_selector_to_string(sel);
                if (!streq(out, cases[i].canonical))
                        fail_msg("%s: expected '%s', got '%s'", cases[i].json, cases[i].canonical, out);
        }

        {
                _cleanup_(label_selector_freep) LabelSelector *sel = NULL;
                assert_int_equal(label_selector_from_json(NULL, &sel, NULL), 0);
                assert_true(label_selector_is_empty(sel));
        }
}

typedef struct Obj {
        const char *name, *ns, *node;
} Obj;

static const char *get_field(void *userdata, const char *field) {
        Obj *o = userdata;
        if (streq(field, "metadata.name"))
                return o->name;
        if (streq(field, "metadata.namespace"))
                return o->ns;
        if (streq(field, "spec.nodeName"))
                return o->node;
        return NULL;
}

static void test_field(void **state) {
        Obj pod = { .name = "a,b=c", .ns = "default", .node = NULL };

        {
                _cleanup_(field_selector_freep) FieldSelector *sel = NULL;
                assert_int_equal(field_selector_parse("", &sel, NULL), 0);
                assert_true(field_selector_is_empty(sel));
                assert_true(field_selector_matches(sel, get_field, &pod));
        }
        {
                _cleanup_(field_selector_freep) FieldSelector *sel = NULL;
                assert_int_equal(field_selector_parse("metadata.name=a\\,b\\=c,metadata.namespace==default", &sel, NULL), 0);
                assert_int_equal(field_selector_n_terms(sel), 2);
                assert_string_equal(field_selector_term_field(sel, 0), "metadata.name");
                assert_string_equal(field_selector_term_value(sel, 0), "a,b=c");
                assert_false(field_selector_term_is_negated(sel, 0));
                assert_string_equal(field_selector_term_field(sel, 1), "metadata.namespace");
                assert_null(field_selector_term_field(sel, 2));
                assert_true(field_selector_matches(sel, get_field, &pod));
                assert_string_equal(field_selector_exact_match(sel, "metadata.namespace"), "default");
                assert_null(field_selector_exact_match(sel, "spec.nodeName"));
        }
        {
                _cleanup_(field_selector_freep) FieldSelector *sel = NULL;
                /* missing field = "" */
                assert_int_equal(field_selector_parse("spec.nodeName=", &sel, NULL), 0);
                assert_true(field_selector_matches(sel, get_field, &pod));
                assert_string_equal(field_selector_exact_match(sel, "spec.nodeName"), "");
        }
        {
                _cleanup_(field_selector_freep) FieldSelector *sel = NULL;
                assert_int_equal(field_selector_parse("spec.nodeName!=,metadata.name!=x", &sel, NULL), 0);
                assert_true(field_selector_term_is_negated(sel, 0));
                assert_false(field_selector_matches(sel, get_field, &pod));
                assert_null(field_selector_exact_match(sel, "spec.nodeName"));
                pod.node = "n1";
                assert_true(field_selector_matches(sel, get_field, &pod));
                pod.node = NULL;
        }
        {
                _cleanup_(field_selector_freep) FieldSelector *sel = NULL;
                /* upstream splitTerm: the first operator wins: "a!=b=c" is a!= with value "b=c" → unescaped '=' */
                assert_int_equal(field_selector_parse("a==b\\=c,,", &sel, NULL), 0);
                assert_int_equal(field_selector_n_terms(sel), 1);
                assert_string_equal(field_selector_term_value(sel, 0), "b=c");
        }

        static const char *const bad[] = { "x", "metadata.name", "a=b=c", "a=b\\", "a=b\\x", "a=b\\!", "a!=b=c",
                                           "a=b,c" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                FieldSelector *sel = (FieldSelector *) 0x1;
                _cleanup_free_ char *err = NULL;

                if (field_selector_parse(bad[i], &sel, &err) != -EINVAL)
                        fail_msg("'%s' accepted", bad[i]);
                assert_ptr_equal(sel, (FieldSelector *) 0x1);
                assert_non_null(err);
        }
        {
                _cleanup_free_ char *err = NULL;
                FieldSelector *sel = NULL;
                assert_int_equal(field_selector_parse("a=b\\x", &sel, &err), -EINVAL);
                assert_string_equal(err, "invalid field selector: invalid escape sequence: \\x");
        }
        {
                _cleanup_free_ char *err = NULL;
                FieldSelector *sel = NULL;
                assert_int_equal(field_selector_parse("foo", &sel, &err), -EINVAL);
                assert_string_equal(err, "invalid selector: 'foo'; can't understand 'foo'");
        }
        {
                _cleanup_free_ char *s = NULL;
                size_t n = 0;
                FieldSelector *sel = NULL;
                FILE *f = open_memstream(&s, &n);
                assert_non_null(f);
                for (unsigned i = 0; i <= KSHIM_SELECTOR_MAX_TERMS; i++)
                        fprintf(f, "%sf%u=v", i ? "," : "", i);
                assert_int_equal(fclose(f), 0);
                assert_int_equal(field_selector_parse(s, &sel, NULL), -E2BIG);
                assert_null(sel);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_label_parse),
                cmocka_unit_test(test_label_limits),
                cmocka_unit_test(test_label_match),
                cmocka_unit_test(test_label_json),
                cmocka_unit_test(test_field),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
