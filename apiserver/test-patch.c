/* SPDX-License-Identifier: Apache-2.0 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json-util.h"
#include "macro.h"
#include "patch.h"

static json_object *J(const char *s) {
        json_object *o = NULL;
        assert_int_equal(json_parse(s, strlen(s), &o, NULL), 0);
        return o;
}

static void assert_json_eq(json_object *got, const char *want) {
        _cleanup_(json_object_putp) json_object *w = J(want);
        if (!json_object_equal(got, w))
                fail_msg("got %s\nwant %s", json_object_to_json_string(got), want);
}

static void check_smp(const char *orig, const char *patch, const char *want) {
        _cleanup_(json_object_putp) json_object *o = J(orig), *p = J(patch), *r = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(strategic_merge_patch(o, p, &r, &err), 0);
        assert_json_eq(r, want);
}

static void check_merge(const char *orig, const char *patch, const char *want) {
        _cleanup_(json_object_putp) json_object *o = J(orig), *p = J(patch), *r = NULL;
        assert_int_equal(json_merge_patch(o, p, &r), 0);
        assert_json_eq(r, want);
}

static void test_merge_patch(void **state) {
        /* RFC 7386 appendix A examples */
        check_merge("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
        check_merge("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
        check_merge("{\"a\":\"b\"}", "{\"a\":null}", "{}");
        check_merge("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
        check_merge("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
        check_merge("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}");
        check_merge("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
        check_merge("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
        check_merge("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

static void test_json_patch(void **state) {
        _cleanup_(json_object_putp) json_object *doc = J("{\"a\":{\"b\":[1,2,3]},\"m/n\":1,\"t~\":2}");
        _cleanup_(json_object_putp) json_object *ops = J(
                "[{\"op\":\"add\",\"path\":\"/a/b/1\",\"value\":9},"
                " {\"op\":\"remove\",\"path\":\"/a/b/0\"},"
                " {\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":4},"
                " {\"op\":\"replace\",\"path\":\"/m~1n\",\"value\":\"x\"},"
                " {\"op\":\"move\",\"from\":\"/t~0\",\"path\":\"/u\"},"
                " {\"op\":\"copy\",\"from\":\"/u\",\"path\":\"/v\"},"
                " {\"op\":\"test\",\"path\":\"/a/b\",\"value\":[9,2,3,4]}]");
        _cleanup_(json_object_putp) json_object *r = NULL;
        _cleanup_free_ char *err = NULL;

        assert_int_equal(json_patch_apply(doc, ops, &r, &err), 0);
        assert_json_eq(r, "{\"a\":{\"b\":[9,2,3,4]},\"m/n\":\"x\",\"u\":2,\"v\":2}");
        /* the input is untouched */
        assert_json_eq(doc, "{\"a\":{\"b\":[1,2,3]},\"m/n\":1,\"t~\":2}");
}

static void test_json_patch_errors(void **state) {
        _cleanup_(json_object_putp) json_object *doc = J("{\"a\":1}");
        const char *bad[] = {
                "[{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]",
                "[{\"op\":\"remove\",\"path\":\"/nope\"}]",
                "[{\"op\":\"add\",\"path\":\"/x/y\",\"value\":1}]",
                "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]",
                "{\"op\":\"add\"}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(json_object_putp) json_object *ops = J(bad[i]), *r = NULL;
                _cleanup_free_ char *err = NULL;
                assert_int_equal(json_patch_apply(doc, ops, &r, &err), -EINVAL);
                assert_null(r);
                assert_non_null(err);
        }
}

static void test_smp_containers(void **state) {
        /* containers merged by name, ports by containerPort, env by name */
        check_smp("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"ports\":[{\"containerPort\":80,\"name\":\"http\"}],"
                  "\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]},{\"name\":\"b\",\"image\":\"y\"}]}}",
                  "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"z\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"},{\"containerPort\":443}],"
                  "\"env\":[{\"name\":\"B\",\"value\":\"3\"}]}]}}",
                  "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"z\",\"ports\":[{\"containerPort\":80,\"name\":\"http\",\"protocol\":\"TCP\"},{\"containerPort\":443}],"
                  "\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"3\"}]},{\"name\":\"b\",\"image\":\"y\"}]}}");
}

static void test_smp_directives(void **state) {
        /* $patch: delete on a list element */
        check_smp("{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
                  "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"delete\"}]}}",
                  "{\"spec\":{\"containers\":[{\"name\":\"b\"}]}}");
        /* $patch: replace on a map */
        check_smp("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
                  "{\"metadata\":{\"labels\":{\"$patch\":\"replace\",\"c\":\"3\"}}}",
                  "{\"metadata\":{\"labels\":{\"c\":\"3\"}}}");
        /* $patch: replace element in a list */
        check_smp("{\"spec\":{\"volumes\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
                  "{\"spec\":{\"volumes\":[{\"name\":\"c\"},{\"$patch\":\"replace\"}]}}",
                  "{\"spec\":{\"volumes\":[{\"name\":\"c\"}]}}");
        /* $setElementOrder reorders */
        check_smp("{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
                  "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}],\"containers\":[{\"name\":\"a\",\"image\":\"i\"}]}}",
                  "{\"spec\":{\"containers\":[{\"name\":\"b\"},{\"name\":\"a\",\"image\":\"i\"}]}}");
        /* null deletes; lists without merge key are replaced */
        check_smp("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"args\":[\"x\",\"y\"]}}",
                  "{\"metadata\":{\"labels\":{\"a\":null}},\"spec\":{\"args\":[\"z\"]}}",
                  "{\"metadata\":{\"labels\":{\"b\":\"2\"}},\"spec\":{\"args\":[\"z\"]}}");
        /* $retainKeys */
        check_smp("{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}}}",
                  "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}",
                  "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}");
        /* finalizers are a merged primitive list; $deleteFromPrimitiveList */
        check_smp("{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
                  "{\"metadata\":{\"finalizers\":[\"c\",\"a\"],\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}}",
                  "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}");
        /* conditions merged by type (node status patch) */
        check_smp("{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"},{\"type\":\"DiskPressure\",\"status\":\"False\"}]}}",
                  "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
                  "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":\"DiskPressure\",\"status\":\"False\"}]}}");
        /* directives never end up stored on new maps */
        check_smp("{}", "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"delete\"},{\"name\":\"b\"}]}}",
                  "{\"spec\":{\"containers\":[{\"name\":\"b\"}]}}");
}

static void test_smp_errors(void **state) {
        _cleanup_(json_object_putp) json_object *o = J("{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}");
        _cleanup_(json_object_putp) json_object *p = J("{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}");
        _cleanup_(json_object_putp) json_object *r = NULL;
        _cleanup_free_ char *err = NULL;

        assert_int_equal(strategic_merge_patch(o, p, &r, &err), -EINVAL);
        assert_non_null(strstr(err, "merge key"));
}

static void test_merge_keys(void **state) {
        bool prim;
        assert_string_equal(smp_merge_key("spec.containers", &prim), "name");
        assert_false(prim);
        assert_string_equal(smp_merge_key("spec.template.spec.containers.ports", NULL), "containerPort");
        assert_string_equal(smp_merge_key("spec.ports", NULL), "port");
        assert_string_equal(smp_merge_key("spec.containers.volumeMounts", NULL), "mountPath");
        assert_null(smp_merge_key("metadata.finalizers", &prim));
        assert_true(prim);
        assert_null(smp_merge_key("spec.tolerations", &prim));
        assert_false(prim);
        /* suffix match only on a '.' boundary */
        assert_null(smp_merge_key("spec.myenv", NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_merge_patch),     cmocka_unit_test(test_json_patch),
                cmocka_unit_test(test_json_patch_errors), cmocka_unit_test(test_smp_containers),
                cmocka_unit_test(test_smp_directives),  cmocka_unit_test(test_smp_errors),
                cmocka_unit_test(test_merge_keys),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
