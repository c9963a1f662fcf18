/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "json-util.h"
#include "kshim-limits.h"
#include "translate.h"

static void test_slice_names(void **state) {
        _cleanup_free_ char *g = pod_slice_name(QOS_GUARANTEED, "0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff");
        _cleanup_free_ char *b = pod_slice_name(QOS_BURSTABLE, "0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff");
        _cleanup_free_ char *e = pod_slice_name(QOS_BEST_EFFORT, "0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff");
        _cleanup_free_ char *uid = NULL;

        assert_string_equal(g, "kshim-pod0b7e1c2a_1111_4a2b_9c3d_aabbccddeeff.slice");
        assert_string_equal(b, "kshim-burstable-pod0b7e1c2a_1111_4a2b_9c3d_aabbccddeeff.slice");
        assert_string_equal(e, "kshim-besteffort-pod0b7e1c2a_1111_4a2b_9c3d_aabbccddeeff.slice");
        assert_int_equal(pod_slice_name_parse(b, &uid), 0);
        assert_string_equal(uid, "0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff");
        assert_int_equal(pod_slice_name_parse("kshim-burstable.slice", NULL), -EINVAL);
        assert_int_equal(pod_slice_name_parse("kshim_default_a_b.service", NULL), -EINVAL);
        assert_null(pod_slice_name(QOS_BURSTABLE, ""));
}

static void test_unit_name_round_trip(void **state) {
        _cleanup_free_ char *u = NULL, *ns = NULL, *pod = NULL, *ctr = NULL;

        assert_int_equal(container_unit_name("default", "web.v1", "0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff", "app", &u), 0);
        assert_string_equal(u, "kshim_default_web.v1_app.service");
        assert_int_equal(unit_name_parse(u, &ns, &pod, &ctr), 0);
        assert_string_equal(ns, "default");
        assert_string_equal(pod, "web.v1");
        assert_string_equal(ctr, "app");

        assert_int_equal(unit_name_parse("kshim_a_b.service", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(unit_name_parse("kshim_a_b_c_d.service", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(unit_name_parse("kshim_a__c.service", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(unit_name_parse("kshim_a_b_c.slice", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(unit_name_parse("other_a_b_c.service", NULL, NULL, NULL), -EINVAL);
}

static void test_unit_name_long_fallback(void **state) {
        char pod[254];
        _cleanup_free_ char *u = NULL, *ns = NULL, *mid = NULL, *ctr = NULL;
        const char *uid = "0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff";

        memset(pod, 'p', sizeof(pod) - 1);
        pod[sizeof(pod) - 1] = 0;
        assert_int_equal(container_unit_name("default", pod, uid, "app", &u), 0);
        assert_true(strlen(u) <= KSHIM_UNIT_NAME_MAX);
        assert_string_equal(u, "kshim_default_0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff_app.service");
        assert_int_equal(unit_name_parse(u, &ns, &mid, &ctr), 1);
        assert_string_equal(mid, uid);
        assert_string_equal(ctr, "app");
        assert_int_equal(container_unit_name("default", pod, NULL, "app", &ctr), -EINVAL);
}

static QosClass qos_of(const char *yaml) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        assert_int_equal(yaml_to_json(yaml, strlen(yaml), &o, NULL), 0);
        return pod_qos_class(o);
}

static void test_qos(void **state) {
        assert_int_equal(qos_of("spec: {containers: [{name: a}]}"), QOS_BEST_EFFORT);
        assert_int_equal(qos_of("spec: {containers: [{name: a, resources: {requests: {cpu: 0}}}]}"), QOS_BEST_EFFORT);
        assert_int_equal(qos_of("spec: {containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi}}}]}"),
                         QOS_GUARANTEED);
        assert_int_equal(qos_of("spec: {containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi},"
                                " requests: {cpu: 1000m, memory: 1024Mi}}}]}"),
                         QOS_GUARANTEED);
        assert_int_equal(qos_of("spec: {containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi},"
                                " requests: {cpu: 500m}}}]}"),
                         QOS_BURSTABLE);
        assert_int_equal(qos_of("spec: {containers: [{name: a, resources: {limits: {cpu: 1}}}]}"), QOS_BURSTABLE);
        assert_int_equal(qos_of("spec: {containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi}}},"
                                " {name: b}]}"),
                         QOS_BURSTABLE);
        assert_int_equal(qos_of("spec: {initContainers: [{name: i, resources: {requests: {memory: 1Mi}}}],"
                                " containers: [{name: b}]}"),
                         QOS_BURSTABLE);
        assert_string_equal(qos_class_to_string(QOS_BEST_EFFORT), "BestEffort");
        assert_int_equal(qos_class_from_string("Burstable"), QOS_BURSTABLE);
}

static void test_translate_errors(void **state) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *err = NULL;
        UnitPlan *p = NULL;
        const char *y = "metadata: {name: a, uid: u1}\nspec: {containers: [{name: c, image: kshim.local/host}]}";

        assert_int_equal(yaml_to_json(y, strlen(y), &o, NULL), 0);
        assert_int_equal(translate_pod(o, NULL, &p, &err), 0);
        assert_int_equal(p->n_containers, 1u);
        assert_string_equal(p->containers[0].waiting_reason, "CreateContainerConfigError");
        assert_int_equal(p->containers[0].n_props, 0u);
        assert_string_equal(p->ns, "default");
        p = unit_plan_free(p);

        json_object_put(o);
        o = NULL;
        y = "metadata: {name: a}\nspec: {containers: [{name: c}]}";
        assert_int_equal(yaml_to_json(y, strlen(y), &o, NULL), 0);
        assert_int_equal(translate_pod(o, NULL, &p, &err), -EINVAL);
        assert_non_null(err);
        assert_null(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_slice_names),
                cmocka_unit_test(test_unit_name_round_trip),
                cmocka_unit_test(test_unit_name_long_fallback),
                cmocka_unit_test(test_qos),
                cmocka_unit_test(test_translate_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
