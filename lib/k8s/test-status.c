/* SPDX-License-Identifier: Apache-2.0 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "status.h"

static const char *plain(json_object *o) {
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void test_new(void **state) {
        _cleanup_(json_object_putp) json_object *st = k8s_status_new(404, "NotFound", "x");
        _cleanup_(json_object_putp) json_object *ok = k8s_status_success("cfg", "", "configmaps", "u-1");

        assert_string_equal(plain(st), "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                       "\"message\":\"x\",\"reason\":\"NotFound\",\"code\":404}");
        assert_int_equal(k8s_status_code(st), 404);
        assert_string_equal(plain(ok), "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\","
                                       "\"details\":{\"name\":\"cfg\",\"kind\":\"configmaps\",\"uid\":\"u-1\"},\"code\":200}");
        assert_int_equal(k8s_status_code(NULL), 500);
}

static void test_not_found(void **state) {
        _cleanup_(json_object_putp) json_object *a = k8s_status_not_found("pods", "x");
        _cleanup_(json_object_putp) json_object *b = k8s_status_not_found("deployments.apps", "web");

        assert_string_equal(plain(a), "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                      "\"message\":\"pods \\\"x\\\" not found\",\"reason\":\"NotFound\","
                                      "\"details\":{\"name\":\"x\",\"kind\":\"pods\"},\"code\":404}");
        assert_string_equal(json_get_string(b, "message"), "deployments.apps \"web\" not found");
        assert_string_equal(json_get_string(b, "details.group"), "apps");
        assert_string_equal(json_get_string(b, "details.kind"), "deployments");
}

static void test_conflict_exists(void **state) {
        _cleanup_(json_object_putp) json_object *a = k8s_status_already_exists("pods", "x");
        _cleanup_(json_object_putp) json_object *c = k8s_status_conflict("pods", "x", NULL);
        _cleanup_(json_object_putp) json_object *d = k8s_status_conflict("pods", "x", "StorageError: precondition");

        assert_int_equal(k8s_status_code(a), 409);
        assert_string_equal(json_get_string(a, "reason"), "AlreadyExists");
        assert_string_equal(json_get_string(a, "message"), "pods \"x\" already exists");
        assert_int_equal(k8s_status_code(c), 409);
        assert_string_equal(json_get_string(c, "reason"), "Conflict");
        assert_string_equal(json_get_string(c, "message"),
                            "Operation cannot be fulfilled on pods \"x\": the object has been modified; please apply "
                            "your changes to the latest version and try again");
        assert_string_equal(json_get_string(d, "message"), "Operation cannot be fulfilled on pods \"x\": StorageError: precondition");
}

static void test_invalid(void **state) {
        _cleanup_(json_object_putp) json_object *causes = json_object_new_array();
        _cleanup_(json_object_putp) json_object *one = NULL, *two = NULL, *none = NULL;

        assert_int_equal(k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_REQUIRED, "Required value",
                                           "spec.containers[0].image"), 0);
        one = k8s_status_invalid("Pod", "x", causes);
        assert_int_equal(k8s_status_code(one), 422);
        assert_string_equal(json_get_string(one, "reason"), "Invalid");
        assert_string_equal(json_get_string(one, "message"), "Pod \"x\" is invalid: spec.containers[0].image: Required value");
        assert_string_equal(json_get_string(one, "details.kind"), "Pod");
        assert_string_equal(json_get_string(one, "details.name"), "x");
        assert_int_equal(json_object_array_length(json_get(one, "details.causes")), 1);
        assert_string_equal(plain(json_object_array_get_idx(json_get(one, "details.causes"), 0)),
                            "{\"reason\":\"FieldValueRequired\",\"message\":\"Required value\",\"field\":\"spec.containers[0].image\"}");

        assert_int_equal(k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_INVALID, "Invalid value: \"A\": bad",
                                           "metadata.name"), 0);
        /* duplicate: printed once in the message, kept in causes */
        assert_int_equal(k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_INVALID, "Invalid value: \"A\": bad",
                                           "metadata.name"), 0);
        two = k8s_status_invalid("Deployment.apps", "web", causes);
        assert_string_equal(json_get_string(two, "message"),
                            "Deployment.apps \"web\" is invalid: [spec.containers[0].image: Required value, "
                            "metadata.name: Invalid value: \"A\": bad]");
        assert_string_equal(json_get_string(two, "details.kind"), "Deployment");
        assert_string_equal(json_get_string(two, "details.group"), "apps");
        assert_int_equal(json_object_array_length(json_get(two, "details.causes")), 3);
        /* the causes were copied, not stolen */
        assert_int_equal(json_object_array_length(causes), 3);

        none = k8s_status_invalid("Pod", "x", NULL);
        assert_string_equal(json_get_string(none, "message"), "Pod \"x\" is invalid: <nil>");
}

static void test_misc(void **state) {
        static const struct {
                json_object *(*make)(const char *);
                int code;
                const char *reason;
                const char *message;
        } cases[] = {
                { k8s_status_bad_request, 400, "BadRequest", "m" },
                { k8s_status_expired, 410, "Expired", "m" },
                { k8s_status_gone, 410, "Gone", "m" },
                { k8s_status_internal, 500, "InternalError", "Internal error occurred: m" },
                { k8s_status_not_acceptable, 406, "NotAcceptable", "only the following media types are accepted: m" },
                { k8s_status_unsupported_media_type, 415, "UnsupportedMediaType",
                  "the body of the request was in an unknown format - accepted media types include: m" },
                { k8s_status_request_entity_too_large, 413, "RequestEntityTooLarge", "Request entity too large: m" },
                { k8s_status_insufficient_storage, 507, "InternalError", "m" },
                { k8s_status_not_implemented, 501, NULL, "m" },
                { k8s_status_service_unavailable, 503, "ServiceUnavailable", "m" },
                { k8s_status_unauthorized, 401, "Unauthorized", "m" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(json_object_putp) json_object *st = cases[i].make("m");
                assert_non_null(st);
                assert_int_equal(k8s_status_code(st), cases[i].code);
                if (cases[i].reason)
                        assert_string_equal(json_get_string(st, "reason"), cases[i].reason);
                else
                        assert_null(json_get(st, "reason"));
                assert_string_equal(json_get_string(st, "message"), cases[i].message);
                assert_string_equal(json_get_string(st, "status"), "Failure");
        }

        {
                _cleanup_(json_object_putp) json_object *st = k8s_status_too_many_requests(NULL, 3);
                assert_int_equal(k8s_status_code(st), 429);
                assert_int_equal(json_get_int(st, "details.retryAfterSeconds", 0), 3);
                assert_string_equal(json_get_string(st, "reason"), "TooManyRequests");
        }
        {
                _cleanup_(json_object_putp) json_object *st = k8s_status_method_not_allowed("watch", "pods.metrics.k8s.io");
                assert_int_equal(k8s_status_code(st), 405);
                assert_string_equal(json_get_string(st, "message"),
                                    "watch is not supported on resources of kind \"pods.metrics.k8s.io\"");
                assert_string_equal(json_get_string(st, "details.group"), "metrics.k8s.io");
        }
        {
                _cleanup_(json_object_putp) json_object *st = k8s_status_internal("boom");
                assert_string_equal(json_get_string(json_object_array_get_idx(json_get(st, "details.causes"), 0), "message"), "boom");
        }
        {
                _cleanup_(json_object_putp) json_object *st = k8s_status_timeout("slow", 0);
                assert_int_equal(k8s_status_code(st), 504);
                assert_string_equal(json_get_string(st, "message"), "Timeout: slow");
                assert_null(json_get(st, "details"));
        }
        {
                _cleanup_(json_object_putp) json_object *st = k8s_status_forbidden("pods", "x", "no");
                assert_string_equal(json_get_string(st, "message"), "pods \"x\" is forbidden: no");
        }
        {
                /* the code stays the last key after details are added */
                _cleanup_(json_object_putp) json_object *st = k8s_status_new(409, "Conflict", "c");
                k8s_status_set_details(st, "n", NULL, "pods", "u");
                k8s_status_add_cause(st, "FieldManagerConflict", "conflict", ".spec");
                assert_string_equal(plain(st),
                                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                    "\"message\":\"c\",\"reason\":\"Conflict\",\"details\":{\"name\":\"n\",\"kind\":\"pods\","
                                    "\"uid\":\"u\",\"causes\":[{\"reason\":\"FieldManagerConflict\",\"message\":\"conflict\","
                                    "\"field\":\".spec\"}]},\"code\":409}");
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new),
                cmocka_unit_test(test_not_found),
                cmocka_unit_test(test_conflict_exists),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_misc),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
