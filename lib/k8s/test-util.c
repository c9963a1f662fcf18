/* SPDX-License-Identifier: Apache-2.0 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <cmocka.h>

#include "macro.h"
#include "util.h"

#define SEC UINT64_C(1000000)

static void test_parse_bool(void **state) {
        static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
        static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
        static const char *const bad[] = { "", "yes", "y", "tRUE", "TRue", "2", " true", "true ", "on", "fALSE" };
        bool b;

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                b = false;
                assert_int_equal(k8s_parse_bool(t[i], &b), 0);
                assert_true(b);
        }
        for (size_t i = 0; i < ELEMENTSOF(f); i++) {
                b = true;
                assert_int_equal(k8s_parse_bool(f[i], &b), 0);
                assert_false(b);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(k8s_parse_bool(bad[i], &b), -EINVAL);
        assert_int_equal(k8s_parse_bool(NULL, &b), -EINVAL);
}

static void check_fmt(char *s, const char *expected) {
        assert_non_null(s);
        assert_string_equal(s, expected);
        free(s);
}

static void test_rfc3339(void **state) {
        uint64_t u;

        check_fmt(k8s_format_rfc3339(0), "1970-01-01T00:00:00Z");
        check_fmt(k8s_format_rfc3339(1795333200 * SEC + 999999), "2026-11-22T07:40:00Z");
        check_fmt(k8s_format_rfc3339_micro(1795333200 * SEC + 1234), "2026-11-22T07:40:00.001234Z");
        check_fmt(k8s_format_rfc3339_micro(1795333200 * SEC), "2026-11-22T07:40:00.000000Z");
        check_fmt(k8s_format_rfc3339_nano(UINT64_C(1795333200) * 1000000000 + 120000000), "2026-11-22T07:40:00.12Z");
        check_fmt(k8s_format_rfc3339_nano(UINT64_C(1795333200) * 1000000000 + 1), "2026-11-22T07:40:00.000000001Z");
        check_fmt(k8s_format_rfc3339_nano(UINT64_C(1795333200) * 1000000000), "2026-11-22T07:40:00Z");
        assert_null(k8s_format_rfc3339(UINT64_MAX));

        assert_int_equal(k8s_parse_rfc3339("2026-11-22T07:40:00Z", &u), 0);
        assert_int_equal(u, 1795333200 * SEC);
        assert_int_equal(k8s_parse_rfc3339("2026-11-22T07:40:00.5Z", &u), 0);
        assert_int_equal(u, 1795333200 * SEC + 500000);
        assert_int_equal(k8s_parse_rfc3339("2026-11-22T07:40:00.123456789Z", &u), 0);
        assert_int_equal(u, 1795333200 * SEC + 123456);
        assert_int_equal(k8s_parse_rfc3339("2026-11-22T08:40:00+01:00", &u), 0);
        assert_int_equal(u, 1795333200 * SEC);
        assert_int_equal(k8s_parse_rfc3339("2026-11-22T07:10:00-00:30", &u), 0);
        assert_int_equal(u, 1795333200 * SEC);
        assert_int_equal(k8s_parse_rfc3339("2000-02-29T23:59:59Z", &u), 0);
        assert_int_equal(u, 951868799 * SEC);
        assert_int_equal(k8s_parse_rfc3339("1970-01-01T00:00:00Z", &u), 0);
        assert_int_equal(u, 0);

        static const char *const bad[] = { "", "2026-11-22", "2026-11-22 07:40:00Z", "2026-11-22T07:40:00",
                                           "2026-11-22T07:40:00z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                                           "2026-11-22T24:00:00Z", "2026-11-22T07:60:00Z", "2026-11-22T07:40:61Z",
                                           "2026-11-22T07:40:00.Z", "2026-11-22T07:40:00.1234567890Z",
                                           "2026-11-22T07:40:00+0100", "2026-11-22T07:40:00Zx", "1969-12-31T23:59:59Z",
                                           "2026-1-22T07:40:00Z", "2026-11-00T07:40:00Z" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (k8s_parse_rfc3339(bad[i], &u) != -EINVAL)
                        fail_msg("'%s' accepted", bad[i]);

        /* round trip */
        {
                char *s = k8s_format_rfc3339(1234567890 * SEC);
                assert_int_equal(k8s_parse_rfc3339(s, &u), 0);
                assert_int_equal(u, 1234567890 * SEC);
                free(s);
        }
}

static void test_human_duration(void **state) {
        static const struct {
                int64_t sec;
                const char *want;
        } cases[] = {
                /* upstream duration_test.go TestHumanDuration */
                { 1, "1s" },
                { 70, "70s" },
                { 190, "3m10s" },
                { 70 * 60, "70m" },
                { 47 * 3600, "47h" },
                { 49 * 3600, "2d1h" },
                { (8 * 24 + 2) * 3600, "8d" },
                { 367 * 24 * 3600, "367d" },
                { (365 * 2 * 24 + 25) * 3600, "2y1d" },
                { (365 * 8 * 24 + 2) * 3600, "8y" },
                /* boundaries */
                { 0, "0s" },
                { -1, "0s" },
                { -2, "<invalid>" },
                { 119, "119s" },
                { 120, "2m" },
                { 599, "9m59s" },
                { 600, "10m" },
                { 3 * 3600 - 1, "179m" },
                { 3 * 3600, "3h" },
                { 3 * 3600 + 30 * 60, "3h30m" },
                { 8 * 3600, "8h" },
                { 48 * 3600, "2d" },
                { 2 * 365 * 24 * 3600, "2y" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = k8s_human_duration_signed(cases[i].sec * (int64_t) SEC);
                assert_non_null(s);
                if (!streq(s, cases[i].want))
                        fail_msg("%" PRIi64 "s: expected %s, got %s", cases[i].sec, cases[i].want, s);
        }
        {
                /* -1.5s truncates to -1: still "0s" */
                _cleanup_free_ char *s = k8s_human_duration_signed(-1500000);
                assert_string_equal(s, "0s");
        }
        {
                _cleanup_free_ char *s = k8s_human_duration(150 * SEC + 999999);
                assert_string_equal(s, "2m30s");
        }
}

static void test_random(void **state) {
        char a[6], b[6], u[37], v[37];

        assert_int_equal(k8s_generate_name_suffix(a), 0);
        assert_int_equal(strlen(a), 5);
        assert_int_equal(strspn(a, "bcdfghjklmnpqrstvwxz2456789"), 5);
        /* 27^5 possibilities: 100 draws all equal would mean a broken generator */
        for (int i = 0;; i++) {
                assert_true(i < 100);
                assert_int_equal(k8s_generate_name_suffix(b), 0);
                if (!streq(a, b))
                        break;
        }

        assert_int_equal(k8s_new_uid(u), 0);
        assert_int_equal(k8s_new_uid(v), 0);
        assert_int_equal(strlen(u), 36);
        assert_string_not_equal(u, v);
        for (size_t i = 0; i < 36; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23)
                        assert_int_equal(u[i], '-');
                else
                        assert_non_null(strchr("0123456789abcdef", u[i]));
        }
        assert_int_equal(u[14], '4');
        assert_non_null(strchr("89ab", u[19]));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_bool),
                cmocka_unit_test(test_rfc3339),
                cmocka_unit_test(test_human_duration),
                cmocka_unit_test(test_random),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
