/* SPDX-License-Identifier: Apache-2.0 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "json-util.h"
#include "kshim-limits.h"

static json_object *parse_ok(const char *s) {
        json_object *o = NULL;
        char *err = NULL;
        int r = json_parse(s, strlen(s), &o, &err);
        if (r < 0)
                fail_msg("json_parse('%s') failed: %d %s", s, r, strempty(err));
        free(err);
        return o;
}

static int parse_err(const char *s, size_t len) {
        json_object *o = (json_object *) 0x1;
        _cleanup_free_ char *err = NULL;
        int r = json_parse(s, len, &o, &err);
        assert_true(r < 0);
        assert_ptr_equal(o, (json_object *) 0x1); /* untouched */
        assert_non_null(err);
        assert_non_null(strstr(err, "json parse error"));
        return r;
}

static void test_get(void **state) {
        _cleanup_(json_object_putp) json_object *o =
                parse_ok("{\"metadata\":{\"name\":\"x\",\"gen\":3,\"d\":4.0,\"f\":4.5,\"b\":true,\"labels\":{\"a.b/c\":\"v\"}},\"n\":null}");

        assert_string_equal(json_get_string(o, "metadata.name"), "x");
        assert_null(json_get_string(o, "metadata.gen"));        /* not a string */
        assert_null(json_get_string(o, "metadata.name.x"));     /* through a string */
        assert_null(json_get(o, "metadata..name"));
        assert_null(json_get(o, ".metadata"));
        assert_null(json_get(o, "metadata."));
        assert_null(json_get(o, ""));
        assert_null(json_get(NULL, "a"));
        assert_non_null(json_get(o, "metadata.labels"));
        assert_int_equal(json_get_int(o, "metadata.gen", -1), 3);
        assert_int_equal(json_get_int(o, "metadata.d", -1), 4);
        assert_int_equal(json_get_int(o, "metadata.f", -1), -1);
        assert_int_equal(json_get_int(o, "metadata.name", 7), 7);
        assert_int_equal(json_get_int(o, "missing", 7), 7);
        assert_true(json_get_bool(o, "metadata.b", false));
        assert_false(json_get_bool(o, "metadata.gen", false));
        assert_true(json_get_bool(o, "nope", true));
        assert_null(json_get(o, "n"));

        /* a path component longer than the on-stack buffer */
        {
                char path[2 + 300 + 1];
                memcpy(path, "a.", 2);
                memset(path + 2, 'k', 300);
                path[302] = 0;
                assert_int_equal(json_set(o, path, json_object_new_string("long")), 0);
                assert_string_equal(json_get_string(o, path), "long");
                path[301] = 0;
                assert_null(json_get(o, path));
        }
}

static void test_set(void **state) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        assert_int_equal(json_set(o, "metadata.name", json_object_new_string("a")), 0);
        assert_string_equal(json_get_string(o, "metadata.name"), "a");
        assert_int_equal(json_set(o, "metadata.name", json_object_new_string("b")), 0);
        assert_string_equal(json_get_string(o, "metadata.name"), "b");
        assert_int_equal(json_set(o, "a.b.c.d", json_object_new_int(5)), 0);
        assert_int_equal(json_get_int(o, "a.b.c.d", 0), 5);
        /* intermediate is a string */
        assert_int_equal(json_set(o, "metadata.name.x", json_object_new_int(1)), -EINVAL);
        assert_int_equal(json_set(o, "x..y", json_object_new_int(1)), -EINVAL);
        assert_int_equal(json_set(o, "x.", json_object_new_int(1)), -EINVAL);
        assert_int_equal(json_set(o, "", json_object_new_int(1)), -EINVAL);
        assert_null(json_get(o, "x")); /* nothing created by the failures */
        /* NULL value = JSON null */
        assert_int_equal(json_set(o, "status.z", NULL), 0);
        assert_true(json_object_object_get_ex(json_get(o, "status"), "z", NULL));
        assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                            "{\"metadata\":{\"name\":\"b\"},\"a\":{\"b\":{\"c\":{\"d\":5}}},\"status\":{\"z\":null}}");
        assert_int_equal(json_set(o, "img", json_object_new_string("kshim.local/host")), 0);
        assert_non_null(strstr(json_to_string_plain(o), "\"img\":\"kshim.local/host\""));
        assert_string_equal(json_to_string_plain(NULL), "null");
}

static void test_parse(void **state) {
        json_object *o;
        char deep[2 * (KSHIM_MAX_JSON_DEPTH + 2) + 1];

        o = parse_ok("  {\"a\": [1, 2.5, \"x\", true, null]}\n");
        assert_true(json_object_is_type(o, json_type_object));
        json_object_put(o);
        o = parse_ok("42");
        assert_int_equal(json_object_get_int64(o), 42);
        json_object_put(o);
        o = parse_ok("\"\\u00e9\"");
        assert_string_equal(json_object_get_string(o), "\xc3\xa9");
        json_object_put(o);
        assert_null(parse_ok("null"));

        assert_int_equal(parse_err("", 0), -EINVAL);
        assert_int_equal(parse_err("   ", 3), -EINVAL);
        assert_int_equal(parse_err("{\"a\":1} x", 9), -EINVAL);
        assert_int_equal(parse_err("{\"a\":1}{}", 9), -EINVAL);
        assert_int_equal(parse_err("1 2", 3), -EINVAL);
        assert_int_equal(parse_err("{\"a\":1,}", 8), -EINVAL);
        assert_int_equal(parse_err("{'a':1}", 7), -EINVAL);
        assert_int_equal(parse_err("[1,2", 4), -EINVAL);
        assert_int_equal(parse_err("{\"a\":1}\0", 8), -EINVAL);
        assert_int_equal(parse_err("\"\xff\"", 3), -EINVAL); /* invalid UTF-8 */
        assert_int_equal(parse_err("NaN", 3), -EINVAL);
        assert_int_equal(parse_err("{\"a\" 1}", 7), -EINVAL);
        assert_int_equal(parse_err("Infinity", 8), -EINVAL);
        assert_int_equal(parse_err("01", 2), -EINVAL);
        assert_int_equal(parse_err("-", 1), -EINVAL);
        assert_int_equal(parse_err("1.", 2), -EINVAL);
        assert_int_equal(parse_err("1e", 2), -EINVAL);
        assert_int_equal(parse_err("tru", 3), -EINVAL);
        assert_int_equal(parse_err("[}", 2), -EINVAL);
        assert_int_equal(parse_err("{]", 2), -EINVAL);
        assert_int_equal(parse_err("{\"a\":1]", 8), -EINVAL);
        assert_int_equal(parse_err("\"a\tb\"", 5), -EINVAL);   /* raw control character */
        assert_int_equal(parse_err("\"\\x\"", 4), -EINVAL);   /* bad escape */
        assert_int_equal(parse_err("\"\\u12G4\"", 8), -EINVAL);
        assert_int_equal(parse_err("[1,]", 4), -EINVAL);
        assert_int_equal(parse_err("{1:2}", 5), -EINVAL);
        assert_int_equal(parse_err("/* c */ 1", 9), -EINVAL);
        assert_int_equal(parse_err("9223372036854775808", 19), -EINVAL);   /* int64 + 1 */
        assert_int_equal(parse_err("-9223372036854775809", 20), -EINVAL);
        assert_int_equal(parse_err("12345678901234567890123", 23), -EINVAL);
        assert_int_equal(parse_err("1e400", 5), -EINVAL);
        assert_int_equal(parse_err("[\"a\\u0000b\"]", 12), -EINVAL);
        o = parse_ok("[9223372036854775807, -9223372036854775808, 1e300, 0.000000000000000000000000000000000001]");
        assert_int_equal(json_object_get_int64(json_object_array_get_idx(o, 0)), INT64_MAX);
        assert_int_equal(json_object_get_int64(json_object_array_get_idx(o, 1)), INT64_MIN);
        json_object_put(o);
        o = parse_ok("[-0.5e+3, 0, -1, 1E2, \"\\u00e9\\n\\/\", {}, [], {\"k\": {\"\": null}}]");
        assert_int_equal(json_object_array_length(o), 8);
        json_object_put(o);

        /* depth: KSHIM_MAX_JSON_DEPTH - 1 levels fine, far more refused */
        for (size_t n = 0; n < 2; n++) {
                size_t levels = n == 0 ? KSHIM_MAX_JSON_DEPTH : KSHIM_MAX_JSON_DEPTH + 1;
                memset(deep, '[', levels);
                memset(deep + levels, ']', levels);
                deep[2 * levels] = 0;
                if (n == 0)
                        json_object_put(parse_ok(deep));
                else
                        assert_int_equal(parse_err(deep, 2 * levels), -E2BIG);
        }
        /* the input need not be NUL terminated: length is honoured */
        o = NULL;
        assert_int_equal(json_parse("[1]xyz", 3, &o, NULL), 0);
        assert_int_equal(json_object_array_length(o), 1);
        json_object_put(o);
}

static json_object *yaml_ok(const char *s) {
        json_object *o = NULL;
        char *err = NULL;
        int r = yaml_to_json(s, strlen(s), &o, &err);
        if (r < 0)
                fail_msg("yaml_to_json('%s') failed: %d %s", s, r, strempty(err));
        free(err);
        return o;
}

static void check_yaml(const char *yaml, const char *json) {
        _cleanup_(json_object_putp) json_object *o = yaml_ok(yaml);
        const char *got = json_to_string_plain(o);
        if (!streq(got, json))
                fail_msg("yaml '%s': expected %s, got %s", yaml, json, got);
}

static int yaml_err(const char *s, const char *expect_substr) {
        json_object *o = NULL;
        _cleanup_free_ char *err = NULL;
        int r = yaml_to_json(s, strlen(s), &o, &err);
        assert_true(r < 0);
        assert_null(o);
        assert_non_null(err);
        if (expect_substr && !strstr(err, expect_substr))
                fail_msg("yaml '%s': error '%s' lacks '%s'", s, err, expect_substr);
        return r;
}

static void test_yaml_scalars(void **state) {
        check_yaml("a: 1", "{\"a\":1}");
        check_yaml("a: -12", "{\"a\":-12}");
        check_yaml("a: 0x1F", "{\"a\":31}");
        check_yaml("a: 0o17", "{\"a\":15}");
        check_yaml("a: 017", "{\"a\":15}");
        check_yaml("a: 0b101", "{\"a\":5}");
        check_yaml("a: 1_000", "{\"a\":1000}");
        check_yaml("a: 09", "{\"a\":9}"); /* bad octal, but yamlStyleFloat matches: float 9 */
        check_yaml("a: 1.5", "{\"a\":1.5}");
        check_yaml("a: .5", "{\"a\":0.5}");
        check_yaml("a: 1e3", "{\"a\":1000}");
        check_yaml("a: 0.1", "{\"a\":0.1}");       /* shortest form, not %.17g */
        check_yaml("a: 1e21", "{\"a\":1e+21}");
        check_yaml("a: 0.30000000000000004", "{\"a\":0.30000000000000004}");
        check_yaml("a: '1'", "{\"a\":\"1\"}");
        check_yaml("a: \"true\"", "{\"a\":\"true\"}");
        check_yaml("a: true", "{\"a\":true}");
        check_yaml("a: False", "{\"a\":false}");
        check_yaml("a: yes", "{\"a\":true}");
        check_yaml("a: off", "{\"a\":false}");
        check_yaml("a: y", "{\"a\":true}");
        check_yaml("a: ~", "{\"a\":null}");
        check_yaml("a: null", "{\"a\":null}");
        check_yaml("a:", "{\"a\":null}");
        check_yaml("a: nginx:1.25", "{\"a\":\"nginx:1.25\"}");
        check_yaml("a: 1.2.3", "{\"a\":\"1.2.3\"}");
        check_yaml("a: +1", "{\"a\":1}");
        check_yaml("a: -x", "{\"a\":\"-x\"}");
        check_yaml("a: 9223372036854775807", "{\"a\":9223372036854775807}");
        check_yaml("a: -9223372036854775808", "{\"a\":-9223372036854775808}");
        check_yaml("a: !!str 123", "{\"a\":\"123\"}");
        check_yaml("a: !!float 3", "{\"a\":3}");
        check_yaml("a: |\n  line1\n  line2\n", "{\"a\":\"line1\\nline2\\n\"}");
        check_yaml("1: x\ntrue: w\n~: z", "{\"1\":\"x\",\"true\":\"w\",\"null\":\"z\"}");
}

static void test_yaml_structure(void **state) {
        check_yaml("", "null");
        check_yaml("---\n", "null");
        check_yaml("--- ~\n", "null");
        check_yaml("# only a comment\n", "null");
        check_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\n  labels: {app: web}\nspec:\n"
                   "  containers:\n  - name: c\n    image: kshim.local/host\n    command: [\"sleep\", \"3600\"]\n",
                   "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"demo\",\"labels\":{\"app\":\"web\"}},"
                   "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"kshim.local/host\",\"command\":[\"sleep\",\"3600\"]}]}}");
        check_yaml("- 1\n- [a, {b: c}]\n", "[1,[\"a\",{\"b\":\"c\"}]]");
        check_yaml("---\na: 1\n...\n", "{\"a\":1}");
        check_yaml("a: &x 1\nb: 2", "{\"a\":1,\"b\":2}"); /* anchors are harmless */
        check_yaml("{\"a\": [1, 2]}", "{\"a\":[1,2]}"); /* JSON is YAML */

        assert_int_equal(yaml_err("a: 1\n---\nb: 2\n", "single YAML document"), -EINVAL);
        assert_int_equal(yaml_err("---\n---\nb: 2\n", "single YAML document"), -EINVAL);
        assert_int_equal(yaml_err("a: 1\n--- ''\n", "single YAML document"), -EINVAL);
        check_yaml("a: 1\n---\n", "{\"a\":1}");      /* empty trailing documents are fine */
        check_yaml("a: 1\n---\n# c\n---\n", "{\"a\":1}");
        assert_int_equal(yaml_err("a: &x 1\nb: *x\n", "aliases"), -EINVAL);
        assert_int_equal(yaml_err("a: [1, 2\n", "line"), -EINVAL);
        assert_int_equal(yaml_err("a: b: c\n", "mapping values are not allowed"), -EINVAL);
        assert_int_equal(yaml_err("? [a]\n: b\n", "mapping keys"), -EINVAL);
        assert_int_equal(yaml_err("a: .inf\n", "infinity"), -EINVAL);
        assert_int_equal(yaml_err("a: !!int abc\n", "cannot decode"), -EINVAL);
        assert_int_equal(yaml_err("a: !foo x\n", "unsupported tag"), -EINVAL);
        assert_int_equal(yaml_err("a: \"x\\0y\"\n", "NUL"), -EINVAL);
}

static void test_yaml_limits(void **state) {
        char *buf;
        size_t n = 10000;

        /* a billion-laughs document is refused at the first alias */
        assert_int_equal(yaml_err("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n", "aliases"), -EINVAL);

        /* nesting limit */
        buf = malloc(2 * n + 1);
        assert_non_null(buf);
        memset(buf, '[', n);
        memset(buf + n, ']', n);
        buf[2 * n] = 0;
        assert_int_equal(yaml_err(buf, "nesting"), -E2BIG);
        free(buf);

        buf = malloc(2 * KSHIM_MAX_JSON_DEPTH + 1);
        assert_non_null(buf);
        memset(buf, '[', KSHIM_MAX_JSON_DEPTH);
        memset(buf + KSHIM_MAX_JSON_DEPTH, ']', KSHIM_MAX_JSON_DEPTH);
        buf[2 * KSHIM_MAX_JSON_DEPTH] = 0;
        json_object_put(yaml_ok(buf));
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_get),
                cmocka_unit_test(test_set),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_yaml_scalars),
                cmocka_unit_test(test_yaml_structure),
                cmocka_unit_test(test_yaml_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
