/* SPDX-License-Identifier: Apache-2.0 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kshim-limits.h"
#include "status.h"
#include "validation.h"

#define SUBDOMAIN_MSG                                                                                         \
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " \
        "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " \
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_MSG                                                                                             \
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start " \
        "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "  \
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_MSG                                                                                             \
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "  \
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "   \
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_MSG                                                                                             \
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "   \
        "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "      \
        "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

typedef int (*vfn)(const char *, char **);

static void ok(vfn f, const char *s) {
        char *m = NULL;
        int r = f(s, &m);
        if (r != 0)
                fail_msg("'%s' rejected: %s", s, strempty(m));
        assert_null(m);
}

static void bad(vfn f, const char *s, const char *msg) {
        _cleanup_free_ char *m = NULL;
        int r = f(s, &m);
        if (r != -EINVAL)
                fail_msg("'%s' accepted", s);
        assert_non_null(m);
        if (msg && !streq(m, msg))
                fail_msg("'%s': expected\n  %s\ngot\n  %s", s, msg, m);
        assert_int_equal(f(s, NULL), -EINVAL); /* no message wanted */
}

static char *repeat(char c, size_t n) {
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = 0;
        return s;
}

static void test_subdomain(void **state) {
        _cleanup_free_ char *l253 = repeat('a', 253), *l254 = repeat('a', 254);

        /* upstream TestIsDNS1123Subdomain good cases */
        static const char *const good[] = { "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a",
                                            "1-a", "1--a--b--2", "a.a", "ab.a", "abc.a", "a1.a", "a-1.a",
                                            "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1",
                                            "0.a", "01.a", "012.a", "1a.a", "1-a.a", "1--a--b--2", "0.1", "01.1",
                                            "012.1", "1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e", "aa.bb.cc.dd.ee",
                                            "1.2.3.4.5", "11.22.33.44.55" };
        static const char *const badv[] = { "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1",
                                            "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a..b", "1.",
                                            ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", "A.a", "aB.a",
                                            "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A",
                                            "012.A", "1A.a", "1a.A", "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e",
                                            "aa.bB.cc.dd.ee", "a@b", "a,b", "a_b", "a;b", "a:b", "a%b", "a?b", "a$b" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(k8s_validate_dns1123_subdomain, good[i]);
        ok(k8s_validate_dns1123_subdomain, l253);
        for (size_t i = 0; i < ELEMENTSOF(badv); i++)
                bad(k8s_validate_dns1123_subdomain, badv[i], SUBDOMAIN_MSG);
        bad(k8s_validate_dns1123_subdomain, l254, "must be no more than 253 characters");
        bad(k8s_validate_dns1123_subdomain, "Foo", SUBDOMAIN_MSG);
}

static void test_label(void **state) {
        _cleanup_free_ char *l63 = repeat('a', 63), *l64 = repeat('a', 64), *l64u = repeat('A', 64);

        ok(k8s_validate_dns1123_label, "a");
        ok(k8s_validate_dns1123_label, "a-1");
        ok(k8s_validate_dns1123_label, "0");
        ok(k8s_validate_dns1123_label, l63);
        bad(k8s_validate_dns1123_label, "a.b", LABEL_MSG);
        bad(k8s_validate_dns1123_label, "", LABEL_MSG);
        bad(k8s_validate_dns1123_label, "-a", LABEL_MSG);
        bad(k8s_validate_dns1123_label, l64, "must be no more than 63 characters");
        bad(k8s_validate_dns1123_label, l64u, "must be no more than 63 characters; " LABEL_MSG);
}

static void test_label_key(void **state) {
        _cleanup_free_ char *n63 = repeat('a', 63), *n64 = repeat('a', 64), *p253 = repeat('a', 253),
                            *p254 = repeat('a', 254), *k1 = NULL, *k2 = NULL, *k3 = NULL;

        /* upstream TestIsQualifiedName */
        static const char *const good[] = { "simple", "now-with-dashes", "1-starts-with-num", "1234",
                                            "simple/simple", "now-with-dashes/simple", "now-with-dashes/now-with-dashes",
                                            "now.with.dots/simple", "now-with.dashes-and.dots/simple",
                                            "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123",
                                            "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
                                            "app.kubernetes.io/name" };
        static const char *const badv[] = { "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-",
                                            "only/one/slash", "Example.com/abc", "example_com/abc", "example.com/",
                                            "/simple", "", " ", "a b" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(k8s_validate_label_key, good[i]);
        ok(k8s_validate_label_key, n63);
        assert_true(asprintf(&k1, "%s/%s", p253, n63) > 0);
        ok(k8s_validate_label_key, k1);
        for (size_t i = 0; i < ELEMENTSOF(badv); i++)
                bad(k8s_validate_label_key, badv[i], NULL);

        bad(k8s_validate_label_key, "cantendwithadash-", QNAME_MSG);
        bad(k8s_validate_label_key, n64, "name part must be no more than 63 characters");
        bad(k8s_validate_label_key, "/simple", "prefix part must be non-empty");
        bad(k8s_validate_label_key, "example.com/", "name part must be non-empty; " QNAME_MSG);
        bad(k8s_validate_label_key, "Example.com/abc", "prefix part " SUBDOMAIN_MSG);
        bad(k8s_validate_label_key, "a/b/c",
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
            "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
            "'example.com/MyName')");
        assert_true(asprintf(&k2, "%s/a", p254) > 0);
        bad(k8s_validate_label_key, k2, "prefix part must be no more than 253 characters");
        assert_true(asprintf(&k3, "a/%s", n64) > 0);
        bad(k8s_validate_label_key, k3, "name part must be no more than 63 characters");
}

static void test_label_value(void **state) {
        _cleanup_free_ char *v63 = repeat('a', 63), *v64 = repeat('a', 64);

        static const char *const good[] = { "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1",
                                            "1234", "", "Uppercase_Is_OK_123", "A", "a.b_c-d" };
        static const char *const badv[] = { "nospecialchars%^=@", "Tama-nui-te-rā.is-Māori.dot.com", "-starts",
                                            "ends-", "_x", "a/b", " " };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(k8s_validate_label_value, good[i]);
        ok(k8s_validate_label_value, v63);
        for (size_t i = 0; i < ELEMENTSOF(badv); i++)
                bad(k8s_validate_label_value, badv[i], VALUE_MSG);
        bad(k8s_validate_label_value, v64, "must be no more than 63 characters");
}

static json_object *parse(const char *s) {
        json_object *o = NULL;
        assert_int_equal(json_parse(s, strlen(s), &o, NULL), 0);
        return o;
}

static json_object *cause(json_object *causes, size_t i) {
        assert_true(i < json_object_array_length(causes));
        return json_object_array_get_idx(causes, i);
}

static void check_cause(json_object *causes, size_t i, const char *reason, const char *field, const char *message) {
        json_object *c = cause(causes, i);
        assert_string_equal(json_get_string(c, "reason"), reason);
        assert_string_equal(json_get_string(c, "field"), field);
        if (!streq_ptr(json_get_string(c, "message"), message))
                fail_msg("cause %zu: expected '%s', got '%s'", i, message, json_get_string(c, "message"));
}

static void test_object_meta(void **state) {
        _cleanup_(json_object_putp) json_object *m = NULL, *c = NULL;

        c = json_object_new_array();
        m = parse("{\"name\":\"web-1\",\"namespace\":\"default\",\"labels\":{\"app\":\"web\",\"app.kubernetes.io/name\":\"x\"},"
                  "\"annotations\":{\"Kubectl.kubernetes.io/last-applied-configuration\":\"{}\"}}");
        assert_int_equal(k8s_validate_object_meta(m, true, c), 0);
        assert_int_equal(json_object_array_length(c), 0);

        /* cluster-scoped object with a namespace */
        assert_int_equal(k8s_validate_object_meta(m, false, c), 1);
        check_cause(c, 0, "FieldValueForbidden", "metadata.namespace", "Forbidden: not allowed on this type");
        json_object_put(c);
        json_object_put(m);

        /* missing name, missing namespace */
        c = json_object_new_array();
        m = parse("{}");
        assert_int_equal(k8s_validate_object_meta(m, true, c), 2);
        check_cause(c, 0, "FieldValueRequired", "metadata.name", "Required value: name or generateName is required");
        check_cause(c, 1, "FieldValueRequired", "metadata.namespace", "Required value");
        {
                _cleanup_(json_object_putp) json_object *st = k8s_status_invalid("Pod", "", c);
                assert_string_equal(json_get_string(st, "message"),
                                    "Pod \"\" is invalid: [metadata.name: Required value: name or generateName is required, "
                                    "metadata.namespace: Required value]");
        }
        json_object_put(c);
        json_object_put(m);

        /* NULL meta */
        c = json_object_new_array();
        assert_int_equal(k8s_validate_object_meta(NULL, false, c), 1);
        json_object_put(c);

        /* bad name, generateName with trailing dash is fine */
        c = json_object_new_array();
        m = parse("{\"name\":\"Foo\",\"generateName\":\"web-\",\"namespace\":\"Bad_NS\"}");
        assert_int_equal(k8s_validate_object_meta(m, true, c), 2);
        check_cause(c, 0, "FieldValueInvalid", "metadata.name", "Invalid value: \"Foo\": " SUBDOMAIN_MSG);
        check_cause(c, 1, "FieldValueInvalid", "metadata.namespace", "Invalid value: \"Bad_NS\": " LABEL_MSG);
        {
                _cleanup_(json_object_putp) json_object *st = NULL;
                json_object_array_del_idx(c, 1, 1);
                st = k8s_status_invalid("Pod", "Foo", c);
                assert_string_equal(json_get_string(st, "message"),
                                    "Pod \"Foo\" is invalid: metadata.name: Invalid value: \"Foo\": " SUBDOMAIN_MSG);
        }
        json_object_put(c);
        json_object_put(m);

        /* generateName only; bad generateName */
        c = json_object_new_array();
        m = parse("{\"generateName\":\"web-\",\"namespace\":\"ns\"}");
        assert_int_equal(k8s_validate_object_meta(m, true, c), 0);
        json_object_put(m);
        m = parse("{\"generateName\":\"-web\",\"namespace\":\"ns\"}");
        assert_int_equal(k8s_validate_object_meta(m, true, c), 1);
        check_cause(c, 0, "FieldValueInvalid", "metadata.generateName", "Invalid value: \"-web\": " SUBDOMAIN_MSG);
        json_object_put(c);
        json_object_put(m);

        /* labels: bad key, bad value, non-string value; annotation key */
        c = json_object_new_array();
        m = parse("{\"name\":\"a\",\"labels\":{\"-x\":\"ok\",\"y\":\"bad value\",\"z\":1},"
                  "\"annotations\":{\"a b\":\"v\"}}");
        assert_int_equal(k8s_validate_object_meta(m, false, c), 4);
        check_cause(c, 0, "FieldValueInvalid", "metadata.labels", "Invalid value: \"-x\": " QNAME_MSG);
        check_cause(c, 1, "FieldValueInvalid", "metadata.labels", "Invalid value: \"bad value\": " VALUE_MSG);
        check_cause(c, 2, "FieldValueTypeInvalid", "metadata.labels", "Invalid value: 1: must be a string");
        check_cause(c, 3, "FieldValueInvalid", "metadata.annotations", "Invalid value: \"a b\": " QNAME_MSG);
        json_object_put(c);
        json_object_put(m);

        /* annotations total size */
        {
                _cleanup_free_ char *big = repeat('x', KSHIM_MAX_ANNOTATIONS_BYTES);
                c = json_object_new_array();
                m = parse("{\"name\":\"a\",\"annotations\":{}}");
                assert_int_equal(json_set(m, "annotations.k", json_object_new_string(big)), 0);
                assert_int_equal(k8s_validate_object_meta(m, false, c), 1);
                check_cause(c, 0, "FieldValueTooLong", "metadata.annotations", "Too long: may not be more than 262144 bytes");
                json_object_put(c);
                json_object_put(m);
                /* exactly at the limit is fine */
                big[KSHIM_MAX_ANNOTATIONS_BYTES - 1] = 0;
                c = json_object_new_array();
                m = parse("{\"name\":\"a\",\"annotations\":{}}");
                assert_int_equal(json_set(m, "annotations.k", json_object_new_string(big)), 0);
                assert_int_equal(k8s_validate_object_meta(m, false, c), 0);
                json_object_put(c);
                json_object_put(m);
        }
        m = c = NULL;
}

static void test_field_errors(void **state) {
        _cleanup_(json_object_putp) json_object *c = json_object_new_array(), *st = NULL;
        _cleanup_(json_object_putp) json_object *num = json_object_new_int(-1), *str = json_object_new_string("a\"b"),
                                               *b = json_object_new_boolean(true), *arr = NULL;
        static const char *const policies[] = { "Always", "OnFailure", "Never", NULL };

        assert_int_equal(json_parse("[1,\"x\"]", 7, &arr, NULL), 0);
        assert_int_equal(k8s_field_required(c, "spec.containers", NULL), 1);
        assert_int_equal(k8s_field_required(c, "metadata.name", "name or generateName is required"), 1);
        assert_int_equal(k8s_field_invalid(c, "spec.replicas", num, "must be greater than or equal to 0"), 1);
        assert_int_equal(k8s_field_invalid(c, "spec.x", str, NULL), 1);
        assert_int_equal(k8s_field_invalid(c, "spec.x", NULL, "bad"), 1);
        assert_int_equal(k8s_field_invalid(c, "spec.x", b, "bad"), 1);
        assert_int_equal(k8s_field_invalid(c, "spec.x", arr, "bad"), 1);
        assert_int_equal(k8s_field_invalid_string(c, "spec.x", "tab\there", "bad"), 1);
        assert_int_equal(k8s_field_not_supported(c, "spec.restartPolicy", "Sometimes", policies), 1);
        assert_int_equal(k8s_field_forbidden(c, "spec.nodeName", "may not be changed"), 1);
        assert_int_equal(k8s_field_duplicate(c, "spec.containers[1].name", "c"), 1);
        assert_int_equal(k8s_field_not_found(c, "spec.volumes[0].name", "v"), 1);
        assert_int_equal(k8s_field_too_long(c, "metadata.annotations", 262144), 1);
        assert_int_equal(k8s_field_too_many(c, "spec.x", 5, 3), 1);
        assert_int_equal(k8s_field_type_invalid(c, "spec.replicas", str, "expected integer"), 1);

        check_cause(c, 0, "FieldValueRequired", "spec.containers", "Required value");
        check_cause(c, 1, "FieldValueRequired", "metadata.name", "Required value: name or generateName is required");
        check_cause(c, 2, "FieldValueInvalid", "spec.replicas", "Invalid value: -1: must be greater than or equal to 0");
        check_cause(c, 3, "FieldValueInvalid", "spec.x", "Invalid value: \"a\\\"b\"");
        check_cause(c, 4, "FieldValueInvalid", "spec.x", "Invalid value: \"null\": bad");
        check_cause(c, 5, "FieldValueInvalid", "spec.x", "Invalid value: true: bad");
        check_cause(c, 6, "FieldValueInvalid", "spec.x", "Invalid value: [1,\"x\"]: bad");
        check_cause(c, 7, "FieldValueInvalid", "spec.x", "Invalid value: \"tab\\there\": bad");
        check_cause(c, 8, "FieldValueNotSupported", "spec.restartPolicy",
                    "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"");
        check_cause(c, 9, "FieldValueForbidden", "spec.nodeName", "Forbidden: may not be changed");
        check_cause(c, 10, "FieldValueDuplicate", "spec.containers[1].name", "Duplicate value: \"c\"");
        check_cause(c, 11, "FieldValueNotFound", "spec.volumes[0].name", "Not found: \"v\"");
        check_cause(c, 12, "FieldValueTooLong", "metadata.annotations", "Too long: may not be more than 262144 bytes");
        check_cause(c, 13, "FieldValueTooMany", "spec.x", "Too many: 5: must have at most 3 items");
        check_cause(c, 14, "FieldValueTypeInvalid", "spec.replicas", "Invalid value: \"a\\\"b\": expected integer");

        st = k8s_status_invalid("Pod", "p", c);
        assert_non_null(strstr(json_get_string(st, "message"),
                               "Pod \"p\" is invalid: [spec.containers: Required value, metadata.name: Required value: "));
        assert_int_equal(k8s_field_required(NULL, "x", NULL), -EINVAL);
        assert_int_equal(k8s_field_required(num, "x", NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_subdomain),
                cmocka_unit_test(test_label),
                cmocka_unit_test(test_label_key),
                cmocka_unit_test(test_label_value),
                cmocka_unit_test(test_object_meta),
                cmocka_unit_test(test_field_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
