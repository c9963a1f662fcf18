/* SPDX-License-Identifier: Apache-2.0 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <cmocka.h>

#include "macro.h"
#include "quantity.h"

static void test_milli(void **state) {
        static const struct {
                const char *s;
                int64_t milli;
        } cases[] = {
                { "0", 0 },
                { "-0", 0 },
                { "1", 1000 },
                { "+1", 1000 },
                { "-1", -1000 },
                { "100m", 100 },
                { "0.1", 100 },
                { ".5", 500 },
                { "1.", 1000 },
                { "1.5", 1500 },
                { "250m", 250 },
                { "2k", 2000000 },
                { "1Ki", 1024000 },
                { "1e3", 1000000 },
                { "1E3", 1000000 },
                { "1e+3", 1000000 },
                { "1e-3", 1 },
                { "123e-2", 1230 },
                { "1n", 1 },       /* rounded up */
                { "1u", 1 },
                { "1500u", 2 },
                { "0.0001", 1 },
                { "-0.0001", -1 }, /* away from zero */
                { "0.0000", 0 },
                { "000100m", 100 },
                { "1M", INT64_C(1000000000) },
                { "1G", INT64_C(1000000000000) },
                { "1P", INT64_C(1000000000000000000) },
                { "9223372036854775.807", INT64_MAX },
                { "-9223372036854775.808", INT64_MIN },
                { "1e-100000000000", 1 },
                { "0e100000000", 0 },
                { "0.5Ki", 512000 },
                { "1.001Ki", 1025024 },  /* 1025.024 exactly */
                { "1.0001Ki", 1024103 }, /* 1024102.4 milli → up */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int64_t v = 12345;
                int r = k8s_quantity_parse(cases[i].s, &v);
                if (r < 0)
                        fail_msg("'%s' rejected: %d", cases[i].s, r);
                if (v != cases[i].milli)
                        fail_msg("'%s': expected %" PRIi64 ", got %" PRIi64, cases[i].s, cases[i].milli, v);
        }
}

static void test_errors(void **state) {
        static const char *const bad[] = { "", " 1", "1 ", "1K", "1ki", "1i", "abc", "1e", "1e+", "1.2.3", "--1",
                                           "1Mi2", ".", "+", "-", "1EE", "0x1", "1m1", "1 Ki", "1Kii", "e3", "1.e",
                                           "1\n", "∞" };
        static const char *const range[] = { "1E", "9223372036854775.808", "-9223372036854775.809", "1e100",
                                             "99999999999999999999999", "1Ei", "1e1000000000000" };
        int64_t v;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (k8s_quantity_parse(bad[i], &v) != -EINVAL)
                        fail_msg("'%s' not refused as -EINVAL", bad[i]);
        for (size_t i = 0; i < ELEMENTSOF(range); i++)
                if (k8s_quantity_parse(range[i], &v) != -ERANGE)
                        fail_msg("'%s' not refused as -ERANGE", range[i]);
        assert_int_equal(k8s_quantity_parse(NULL, &v), -EINVAL);
}

static void test_bytes(void **state) {
        static const struct {
                const char *s;
                uint64_t v;
        } cases[] = {
                { "0", 0 },
                { "1", 1 },
                { "0.5", 1 },
                { "1m", 1 },
                { "128974848", 128974848 },
                { "129e6", 129000000 },
                { "129M", 129000000 },
                { "123Mi", 128974848 },
                { "5.5Gi", UINT64_C(5905580032) },
                { "1Ei", UINT64_C(1152921504606846976) },
                { "7Ei", UINT64_C(8070450532247928832) },
                { "9223372036854775807", UINT64_C(9223372036854775807) },
        };
        uint64_t u;
        int64_t v;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = k8s_quantity_parse_bytes(cases[i].s, &u);
                if (r < 0)
                        fail_msg("'%s' rejected: %d", cases[i].s, r);
                if (u != cases[i].v)
                        fail_msg("'%s': expected %" PRIu64 ", got %" PRIu64, cases[i].s, cases[i].v, u);
        }
        assert_int_equal(k8s_quantity_parse_bytes("-1", &u), -EINVAL);
        assert_int_equal(k8s_quantity_parse_bytes("8Ei", &u), -ERANGE);
        assert_int_equal(k8s_quantity_parse_bytes("x", &u), -EINVAL);

        assert_int_equal(k8s_quantity_parse_value("-8Ei", &v), 0);
        assert_int_equal(v, INT64_MIN);
        assert_int_equal(k8s_quantity_parse_value("-1m", &v), 0);
        assert_int_equal(v, -1);
        assert_int_equal(k8s_quantity_parse_value("2500m", &v), 0);
        assert_int_equal(v, 3);
}

static void test_format(void **state) {
        static const struct {
                int64_t milli;
                bool binary;
                const char *want;
        } cases[] = {
                { 0, false, "0" },
                { 100, false, "100m" },
                { 1000, false, "1" },
                { 1500, false, "1500m" },
                { 15000000, false, "15k" },
                { INT64_C(2000000000), false, "2M" },
                { -250, false, "-250m" },
                { INT64_C(134217728000), true, "128Mi" },
                { INT64_C(1610612736000), true, "1536Mi" },
                { 1024000, true, "1Ki" },
                { -1024000, true, "-1Ki" },
                { 1536000, true, "1536" },
                { 1000000, true, "1k" },     /* below 1024: DecimalSI */
                { 1024500, true, "1024500m" }, /* not integral: DecimalSI */
                { INT64_C(1152921504606846976) / 1000 * 1000, false, "1152921504606846" },
                { INT64_C(9000000000000000000), false, "9P" },
                { INT64_MIN, false, "-9223372036854775808m" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = k8s_quantity_format(cases[i].milli, cases[i].binary);
                int64_t back;

                assert_non_null(s);
                if (!streq(s, cases[i].want))
                        fail_msg("%" PRIi64 "%s: expected %s, got %s", cases[i].milli, cases[i].binary ? " (binary)" : "",
                                 cases[i].want, s);
                /* and it parses back to the same value */
                assert_int_equal(k8s_quantity_parse(s, &back), 0);
                assert_int_equal(back, cases[i].milli);
        }
}

static void test_json(void **state) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int64_t m;
        uint64_t b;

        const char *y = "{a: 2, b: 0.1, c: \"250m\", d: 1Gi, e: 0, f: true, g: 1e3, h: [1], i: -1}";

        assert_int_equal(yaml_to_json(y, strlen(y), &o, NULL), 0);
        assert_int_equal(k8s_quantity_from_json(json_get(o, "a"), &m), 0);
        assert_int_equal(m, 2000);
        assert_int_equal(k8s_quantity_from_json(json_get(o, "b"), &m), 0);
        assert_int_equal(m, 100);
        assert_int_equal(k8s_quantity_from_json(json_get(o, "c"), &m), 0);
        assert_int_equal(m, 250);
        assert_int_equal(k8s_quantity_bytes_from_json(json_get(o, "d"), &b), 0);
        assert_int_equal(b, UINT64_C(1073741824));
        assert_int_equal(k8s_quantity_from_json(json_get(o, "e"), &m), 0);
        assert_int_equal(m, 0);
        assert_int_equal(k8s_quantity_from_json(json_get(o, "f"), &m), -EINVAL);
        assert_int_equal(k8s_quantity_from_json(json_get(o, "g"), &m), 0);
        assert_int_equal(m, 1000000);
        assert_int_equal(k8s_quantity_from_json(json_get(o, "h"), &m), -EINVAL);
        assert_int_equal(k8s_quantity_bytes_from_json(json_get(o, "i"), &b), -EINVAL);
        assert_int_equal(k8s_quantity_from_json(json_get(o, "missing"), &m), -EINVAL);
        assert_int_equal(k8s_quantity_from_json(NULL, &m), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_milli),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_bytes),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_json),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
