/* SPDX-License-Identifier: Apache-2.0 */

/* Unit tests of apiserver-core pieces that need no store: negotiation, continue tokens, pod cells. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apiserver.h"
#include "macro.h"

static json_object *J(const char *s) {
        json_object *o = NULL;
        assert_int_equal(json_parse(s, strlen(s), &o, NULL), 0);
        return o;
}

static void test_discovery_negotiation(void **state) {
        /* kubectl 1.30+ */
        assert_int_equal(negotiate_discovery("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                                             "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                                             "application/json"),
                         DISCOVERY_V2);
        /* kubectl 1.27-1.29 list only v2beta1: must not get v2 */
        assert_int_equal(negotiate_discovery("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                                             "application/json"),
                         DISCOVERY_V2BETA1);
        /* parameter order and spaces do not matter */
        assert_int_equal(negotiate_discovery("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"),
                         DISCOVERY_V2);
        assert_int_equal(negotiate_discovery("application/json, */*"), DISCOVERY_LEGACY);
        assert_int_equal(negotiate_discovery(NULL), DISCOVERY_LEGACY);
        /* an unknown version is skipped, the next acceptable entry wins */
        assert_int_equal(negotiate_discovery("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json"),
                         DISCOVERY_LEGACY);
}

static void test_output_negotiation(void **state) {
        assert_int_equal(negotiate_output("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"),
                         OUTPUT_TABLE_V1);
        assert_int_equal(negotiate_output("application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"),
                         OUTPUT_TABLE_V1BETA1);
        assert_int_equal(negotiate_output("application/json"), OUTPUT_JSON);
        assert_int_equal(negotiate_output("application/vnd.kubernetes.protobuf,application/json"), OUTPUT_JSON);
        assert_int_equal(negotiate_output("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"),
                         OUTPUT_JSON);
}

static void test_continue_token(void **state) {
        _cleanup_free_ char *tok = continue_token_encode(4711, "/core/pods/default/web-1");
        _cleanup_free_ char *key = NULL;
        uint64_t rev = 0;

        assert_non_null(tok);
        /* URL-safe: no '+', '/', '=' */
        assert_null(strpbrk(tok, "+/="));
        assert_int_equal(continue_token_decode(tok, &rev, &key), 0);
        assert_int_equal(rev, 4711);
        assert_string_equal(key, "/core/pods/default/web-1");

        char *k2 = NULL;
        assert_int_equal(continue_token_decode("not-a-token!", &rev, &k2), -EINVAL);
        assert_int_equal(continue_token_decode("", &rev, &k2), -EINVAL);
        assert_null(k2);
}

static void check_cell(json_object *(*cell)(json_object *, uint64_t), const char *pod, const char *want) {
        _cleanup_(json_object_putp) json_object *p = J(pod);
        _cleanup_(json_object_putp) json_object *c = cell(p, 0);
        assert_string_equal(json_object_get_string(c), want);
}

static void test_pod_cells(void **state) {
        check_cell(pod_cell_status, "{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\"}}", "Pending");
        check_cell(pod_cell_ready, "{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\"}}", "0/1");
        const char *running =
                "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]},\"status\":{\"phase\":\"Running\","
                "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"restartCount\":2,\"state\":{\"running\":{}}},"
                "{\"name\":\"b\",\"ready\":true,\"restartCount\":1,\"state\":{\"running\":{}}}]}}";
        check_cell(pod_cell_status, running, "Running");
        check_cell(pod_cell_ready, running, "2/2");
        check_cell(pod_cell_restarts, running, "3");
        /* waiting reason wins */
        check_cell(pod_cell_status,
                   "{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\",\"containerStatuses\":"
                   "[{\"name\":\"a\",\"ready\":false,\"state\":{\"waiting\":{\"reason\":\"ErrImagePull\"}}}]}}",
                   "ErrImagePull");
        /* terminated reason, and exit code without reason */
        check_cell(pod_cell_status,
                   "{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":"
                   "[{\"name\":\"a\",\"state\":{\"terminated\":{\"reason\":\"Completed\",\"exitCode\":0}}}]}}",
                   "Completed");
        check_cell(pod_cell_status,
                   "{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Failed\",\"containerStatuses\":"
                   "[{\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":3}}}]}}",
                   "ExitCode:3");
        /* deletionTimestamp → Terminating (not for terminal phases) */
        check_cell(pod_cell_status,
                   "{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
                   "\"status\":{\"phase\":\"Running\"}}",
                   "Terminating");
        check_cell(pod_cell_status,
                   "{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
                   "\"status\":{\"phase\":\"Succeeded\"}}",
                   "Succeeded");
        /* init containers */
        check_cell(pod_cell_status,
                   "{\"spec\":{\"initContainers\":[{\"name\":\"i\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
                   "\"initContainerStatuses\":[{\"name\":\"i\",\"state\":{\"running\":{}}}]}}",
                   "Init:0/1");
        check_cell(pod_cell_status,
                   "{\"spec\":{\"initContainers\":[{\"name\":\"i\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
                   "\"initContainerStatuses\":[{\"name\":\"i\",\"state\":{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\"}}}]}}",
                   "Init:Error");
        /* Completed with one container still running → NotReady / Running */
        check_cell(pod_cell_status,
                   "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":"
                   "[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}},{\"name\":\"b\",\"state\":{\"terminated\":{\"reason\":\"Completed\"}}}]}}",
                   "NotReady");
        /* node status */
        check_cell(node_cell_status, "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", "Ready");
        check_cell(node_cell_status,
                   "{\"spec\":{\"unschedulable\":true},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}",
                   "NotReady,SchedulingDisabled");
        check_cell(node_cell_status, "{}", "Unknown");
}

static void test_type_table(void **state) {
        const char *all[] = { "pods", "services", "replicationcontrollers", "deployments", "replicasets",
                              "statefulsets", "daemonsets", "horizontalpodautoscalers", "jobs", "cronjobs" };
        size_t n_all = 0;

        for (size_t i = 0; i < n_resource_types; i++) {
                const ResourceType *t = resource_types + i;
                assert_true(group_version_served(t->group, t->version));
                assert_true(t->n_columns >= 2);
                for (const char *const *c = t->categories; c && *c; c++)
                        if (streq(*c, "all"))
                                n_all++;
        }
        assert_int_equal(n_all, ELEMENTSOF(all));
        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                bool found = false;
                for (size_t j = 0; j < n_resource_types; j++)
                        found = found || streq(resource_types[j].plural, all[i]);
                assert_true(found);
        }
        const ResourceType *pods = resource_type_find("", "v1", "pods");
        assert_non_null(pods);
        assert_string_equal(resource_type_qualified(pods), "pods");
        assert_string_equal(resource_type_qualified(resource_type_find("apps", "v1", "deployments")), "deployments.apps");
        assert_string_equal(resource_type_field_path(pods, "spec.nodeName"), "spec.nodeName");
        assert_null(resource_type_field_path(pods, "spec.bogus"));
        assert_null(resource_type_field_path(resource_type_find("", "v1", "nodes"), "metadata.namespace"));
        assert_string_equal(resource_type_field_path(resource_type_find("", "v1", "events"), "source"), "source.component");
}

static void test_field_values(void **state) {
        const ResourceType *pods = resource_type_find("", "v1", "pods");
        const ResourceType *events = resource_type_find("", "v1", "events");
        _cleanup_(json_object_putp) json_object *p = J("{\"metadata\":{\"name\":\"x\",\"namespace\":\"ns\"},"
                                                       "\"spec\":{\"nodeName\":\"n1\",\"hostNetwork\":true},\"status\":{\"phase\":\"Running\"}}");
        _cleanup_(json_object_putp) json_object *e = J("{\"involvedObject\":{\"name\":\"x\"},\"source\":{\"component\":\"kubelet\"},\"count\":3}");
        char buf[64];

        assert_string_equal(resource_type_field_value(pods, p, "metadata.name", buf, sizeof buf), "x");
        assert_string_equal(resource_type_field_value(pods, p, "metadata.namespace", buf, sizeof buf), "ns");
        assert_string_equal(resource_type_field_value(pods, p, "spec.nodeName", buf, sizeof buf), "n1");
        assert_string_equal(resource_type_field_value(pods, p, "spec.hostNetwork", buf, sizeof buf), "true");
        assert_string_equal(resource_type_field_value(pods, p, "status.phase", buf, sizeof buf), "Running");
        assert_null(resource_type_field_value(pods, p, "status.podIP", buf, sizeof buf));
        assert_null(resource_type_field_value(pods, p, "spec.containers", buf, sizeof buf));
        assert_string_equal(resource_type_field_value(events, e, "source", buf, sizeof buf), "kubelet");
        assert_string_equal(resource_type_field_value(events, e, "involvedObject.name", buf, sizeof buf), "x");
}

static void test_pod_defaults(void **state) {
        _cleanup_(json_object_putp) json_object *p = J(
                "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"nginx\",\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}},"
                "{\"name\":\"b\",\"image\":\"reg:5000/x:1.2\",\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":\"64Mi\"}}}]}}");
        const ResourceType *pods = resource_type_find("", "v1", "pods");

        assert_int_equal(pods->defaults(pods, p), 0);
        assert_int_equal(pod_status_defaults(p), 0);
        assert_string_equal(json_get_string(p, "spec.restartPolicy"), "Always");
        assert_string_equal(json_get_string(p, "spec.dnsPolicy"), "ClusterFirst");
        assert_int_equal(json_get_int(p, "spec.terminationGracePeriodSeconds", 0), 30);
        json_object *cs = json_get(p, "spec.containers");
        assert_string_equal(json_get_string(json_object_array_get_idx(cs, 0), "imagePullPolicy"), "Always");
        assert_string_equal(json_get_string(json_object_array_get_idx(cs, 1), "imagePullPolicy"), "IfNotPresent");
        assert_string_equal(json_get_string(json_object_array_get_idx(cs, 0), "terminationMessagePath"), "/dev/termination-log");
        assert_string_equal(json_get_string(p, "status.phase"), "Pending");
        /* limits only: requests default to limits → Guaranteed */
        assert_string_equal(json_get_string(p, "status.qosClass"), "Guaranteed");

        _cleanup_(json_object_putp) json_object *b = J("{\"spec\":{\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}]}}");
        assert_int_equal(pod_status_defaults(b), 0);
        assert_string_equal(json_get_string(b, "status.qosClass"), "Burstable");
        _cleanup_(json_object_putp) json_object *be = J("{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}");
        assert_int_equal(pod_status_defaults(be), 0);
        assert_string_equal(json_get_string(be, "status.qosClass"), "BestEffort");
}

static void test_aggregated_discovery(void **state) {
        _cleanup_(json_object_putp) json_object *core = discovery_aggregated(true, DISCOVERY_V2);
        _cleanup_(json_object_putp) json_object *groups = discovery_aggregated(false, DISCOVERY_V2BETA1);

        assert_string_equal(json_get_string(core, "apiVersion"), "apidiscovery.k8s.io/v2");
        assert_string_equal(json_get_string(groups, "apiVersion"), "apidiscovery.k8s.io/v2beta1");
        json_object *items = json_get(core, "items");
        assert_int_equal(json_object_array_length(items), 1);
        json_object *res = json_get(json_object_array_get_idx(json_get(json_object_array_get_idx(items, 0), "versions"), 0), "resources");
        bool pods = false;
        for (size_t i = 0; i < json_object_array_length(res); i++) {
                json_object *r = json_object_array_get_idx(res, i);
                if (streq(json_get_string(r, "resource"), "pods")) {
                        pods = true;
                        assert_string_equal(json_get_string(r, "scope"), "Namespaced");
                        assert_string_equal(json_object_get_string(json_object_array_get_idx(json_get(r, "shortNames"), 0)), "po");
                        assert_true(json_object_array_length(json_get(r, "subresources")) >= 4);
                }
        }
        assert_true(pods);
        /* apps, events.k8s.io, autoscaling, batch, coordination.k8s.io */
        assert_int_equal(json_object_array_length(json_get(groups, "items")), 5);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_discovery_negotiation), cmocka_unit_test(test_output_negotiation),
                cmocka_unit_test(test_continue_token),        cmocka_unit_test(test_pod_cells),
                cmocka_unit_test(test_type_table),            cmocka_unit_test(test_aggregated_discovery),
                cmocka_unit_test(test_field_values),          cmocka_unit_test(test_pod_defaults),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
