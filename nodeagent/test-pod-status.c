/* SPDX-License-Identifier: Apache-2.0 */

/* Status mapping: UnitSnapshot → container state → pod phase/conditions (pod-status.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "json-util.h"
#include "pod-status.h"

#define T0 1795000000000000ULL /* 2026-11-18T... */

static UnitSnapshot snap(const char *active, const char *sub, const char *result, int code, int status,
                         uint32_t restarts) {
        return (UnitSnapshot) {
                .loaded = true,
                .active_state = (char *) active,
                .sub_state = (char *) sub,
                .result = (char *) result,
                .exec_main_code = code,
                .exec_main_status = status,
                .n_restarts = restarts,
                .exec_main_start_usec = code || streq(active, "active") ? T0 : 0,
                .exec_main_exit_usec = code ? T0 + 1000000 : 0,
                .invocation_id = "0123456789abcdef0123456789abcdef",
        };
}

/* One row of the mapping table: snapshot (or pre-start reason) → expected state key and reason/exit code. */
typedef struct Row {
        const char *what;
        UnitSnapshot s;
        bool no_snap;
        const char *waiting_reason;
        const char *expect_state;   /* "waiting" | "running" | "terminated" */
        const char *expect_reason;  /* waiting/terminated reason, NULL for running */
        int expect_exit;            /* terminated exitCode */
        int expect_signal;          /* 0 = no signal field */
        bool expect_last_state;     /* lastState.terminated present */
} Row;

static void test_container_state_table(void **state) {
        const Row rows[] = {
                { "no snapshot yet", .no_snap = true, .expect_state = "waiting", .expect_reason = "ContainerCreating" },
                { "pre-start problem", .no_snap = true, .waiting_reason = "ErrImagePull", .expect_state = "waiting",
                  .expect_reason = "ErrImagePull" },
                { "activating", snap("activating", "start", "success", 0, 0, 0), .expect_state = "waiting",
                  .expect_reason = "ContainerCreating" },
                { "running", snap("active", "running", "success", 0, 0, 0), .expect_state = "running" },
                { "stopping", snap("deactivating", "stop-sigterm", "success", 0, 0, 0), .expect_state = "running" },
                { "exit 0", snap("inactive", "dead", "success", 1, 0, 0), .expect_state = "terminated",
                  .expect_reason = "Completed", .expect_exit = 0 },
                { "exit 3", snap("failed", "failed", "exit-code", 1, 3, 0), .expect_state = "terminated",
                  .expect_reason = "Error", .expect_exit = 3 },
                { "SIGKILL", snap("failed", "failed", "signal", 2, 9, 0), .expect_state = "terminated",
                  .expect_reason = "Error", .expect_exit = 137, .expect_signal = 9 },
                { "core dump", snap("failed", "failed", "core-dump", 3, 11, 0), .expect_state = "terminated",
                  .expect_reason = "Error", .expect_exit = 139, .expect_signal = 11 },
                { "oom", snap("failed", "failed", "oom-kill", 2, 9, 0), .expect_state = "terminated",
                  .expect_reason = "OOMKilled", .expect_exit = 137, .expect_signal = 9 },
                { "exec failed (203/EXEC)", snap("failed", "failed", "exit-code", 1, 203, 0), .expect_state = "terminated",
                  .expect_reason = "StartError", .expect_exit = 128 },
                { "never ran, failed", snap("failed", "failed", "resources", 0, 0, 0), .expect_state = "terminated",
                  .expect_reason = "StartError", .expect_exit = 128 },
                { "between restarts", snap("activating", "auto-restart", "exit-code", 1, 1, 4), .expect_state = "waiting",
                  .expect_reason = "CrashLoopBackOff", .expect_last_state = true },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const Row *r = &rows[i];
                ContainerInput in = {
                        .name = "c",
                        .image = "kshim.local/host",
                        .unit = "kshim_ns_pod_c.service",
                        .waiting_reason = r->waiting_reason,
                        .snap = r->no_snap ? NULL : &r->s,
                };
                ContainerStateKind kind;
                bool history;
                _cleanup_(json_object_putp) json_object *cs = container_status_build(&in, &kind, &history);
                char path[64];

                print_message("row: %s\n", r->what);
                assert_non_null(cs);
                snprintf(path, sizeof(path), "state.%s", r->expect_state);
                assert_non_null(json_get(cs, path));
                assert_int_equal(history, r->expect_last_state);
                assert_int_equal(json_get(cs, "lastState.terminated") != NULL, r->expect_last_state);
                if (r->expect_reason) {
                        snprintf(path, sizeof(path), "state.%s.reason", r->expect_state);
                        assert_string_equal(json_get_string(cs, path), r->expect_reason);
                }
                if (streq(r->expect_state, "terminated")) {
                        assert_int_equal(kind, CONTAINER_TERMINATED);
                        assert_int_equal(json_get_int(cs, "state.terminated.exitCode", -1), r->expect_exit);
                        assert_int_equal(json_get_int(cs, "state.terminated.signal", 0), r->expect_signal);
                }
                assert_int_equal(json_get_bool(cs, "ready", true), streq(r->expect_state, "running"));
                assert_int_equal(json_get_int(cs, "restartCount", -1), r->no_snap ? 0 : (int) r->s.n_restarts);
                if (!r->no_snap)
                        assert_string_equal(json_get_string(cs, "containerID"),
                                            "systemd://kshim_ns_pod_c.service/0123456789abcdef0123456789abcdef");
        }
}

static void test_vanished_container(void **state) {
        UnitSnapshot gone = { .loaded = false, .active_state = (char *) "inactive", .sub_state = (char *) "dead" };
        _cleanup_(json_object_putp) json_object *prev_run = NULL, *prev_term = NULL, *a = NULL, *b = NULL, *c = NULL;
        const char *pr = "{\"name\":\"c\",\"state\":{\"running\":{}},\"restartCount\":2,\"containerID\":\"systemd://x/1\"}";
        const char *pt = "{\"name\":\"c\",\"state\":{\"terminated\":{\"exitCode\":5,\"reason\":\"Error\"}}}";

        assert_int_equal(json_parse(pr, strlen(pr), &prev_run, NULL), 0);
        assert_int_equal(json_parse(pt, strlen(pt), &prev_term, NULL), 0);

        ContainerInput in = { .name = "c", .unit = "u.service", .snap = &gone, .prev = prev_term };
        a = container_status_build(&in, NULL, NULL);
        assert_int_equal(json_get_int(a, "state.terminated.exitCode", -1), 5);

        in.prev = prev_run;
        b = container_status_build(&in, NULL, NULL);
        assert_string_equal(json_get_string(b, "state.terminated.reason"), "ContainerStatusUnknown");
        assert_int_equal(json_get_int(b, "state.terminated.exitCode", -1), 137);
        assert_int_equal(json_get_int(b, "restartCount", -1), 2);
        assert_string_equal(json_get_string(b, "containerID"), "systemd://x/1");

        in.prev = NULL;
        c = container_status_build(&in, NULL, NULL);
        assert_string_equal(json_get_string(c, "state.waiting.reason"), "ContainerCreating");
}

static json_object *build(const UnitSnapshot *s, size_t n, const char *policy, json_object *prev, bool terminating) {
        ContainerInput in[4] = {};
        const char *names[] = { "a", "b", "c", "d" };
        json_object *st = NULL;
        for (size_t i = 0; i < n; i++)
                in[i] = (ContainerInput) { .name = names[i], .image = "kshim.local/host", .unit = "u", .snap = &s[i] };
        PodStatusInput psi = {
                .containers = in,
                .n_containers = n,
                .restart_policy = policy,
                .qos_class = "BestEffort",
                .host_ip = "127.0.0.1",
                .pod_ip = "127.0.0.1",
                .sandbox_ready = true,
                .terminating = terminating,
                .prev = prev,
                .now_usec = T0 + 5000000,
        };
        assert_int_equal(pod_status_build(&psi, &st), 0);
        return st;
}

static const char *condition(json_object *st, const char *type, const char *field) {
        json_object *l = json_get(st, "conditions");
        for (size_t i = 0; i < json_object_array_length(l); i++) {
                json_object *c = json_object_array_get_idx(l, i);
                if (streq(json_get_string(c, "type"), type))
                        return json_get_string(c, field);
        }
        return NULL;
}

static void test_phase_table(void **state) {
        const UnitSnapshot running = snap("active", "running", "success", 0, 0, 0),
                           creating = snap("activating", "start", "success", 0, 0, 0),
                           ok = snap("inactive", "dead", "success", 1, 0, 0),
                           bad = snap("failed", "failed", "exit-code", 1, 1, 0),
                           loop = snap("activating", "auto-restart", "exit-code", 1, 1, 3);
        const struct {
                UnitSnapshot s[2];
                size_t n;
                const char *policy;
                bool terminating;
                const char *phase;
        } rows[] = {
                { { creating }, 1, "Always", false, "Pending" },
                { { running }, 1, "Always", false, "Running" },
                { { running, creating }, 2, "Always", false, "Pending" },
                { { running, ok }, 2, "Never", false, "Running" },
                { { ok }, 1, "Never", false, "Succeeded" },
                { { ok }, 1, "OnFailure", false, "Succeeded" },
                { { ok }, 1, "Always", false, "Running" },
                { { ok }, 1, "Always", true, "Succeeded" },
                { { bad }, 1, "Never", false, "Failed" },
                { { bad }, 1, "OnFailure", false, "Running" },
                { { ok, bad }, 2, "Never", false, "Failed" },
                { { loop }, 1, "Always", false, "Running" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(json_object_putp) json_object *st = build(rows[i].s, rows[i].n, rows[i].policy, NULL,
                                                                    rows[i].terminating);
                print_message("row %zu: %s\n", i, rows[i].phase);
                assert_string_equal(json_get_string(st, "phase"), rows[i].phase);
        }
}

static void test_conditions_and_stickiness(void **state) {
        const UnitSnapshot running = snap("active", "running", "success", 0, 0, 0),
                           creating = snap("activating", "start", "success", 0, 0, 0),
                           ok = snap("inactive", "dead", "success", 1, 0, 0);
        _cleanup_(json_object_putp) json_object *a = build(&creating, 1, "Always", NULL, false);

        assert_string_equal(condition(a, "Ready", "status"), "False");
        assert_string_equal(condition(a, "Ready", "reason"), "ContainersNotReady");
        assert_string_equal(condition(a, "Ready", "message"), "containers with unready status: [a]");
        assert_string_equal(condition(a, "PodScheduled", "status"), "True");
        assert_string_equal(condition(a, "Initialized", "status"), "True");
        assert_string_equal(json_get_string(a, "qosClass"), "BestEffort");
        assert_string_equal(json_get_string(a, "podIP"), "127.0.0.1");

        /* same status: lastTransitionTime kept from prev; changed: new time */
        json_object *prev = json_object_get(a);
        (void) json_set(json_object_array_get_idx(json_get(prev, "conditions"), 0), "lastTransitionTime",
                        json_object_new_string("2000-01-01T00:00:00Z"));
        (void) json_set(prev, "startTime", json_object_new_string("2000-01-01T00:00:00Z"));
        _cleanup_(json_object_putp) json_object *b = build(&running, 1, "Always", prev, false);
        assert_string_equal(condition(b, "PodReadyToStartContainers", "lastTransitionTime"), "2000-01-01T00:00:00Z");
        assert_string_equal(condition(b, "Ready", "status"), "True");
        assert_null(condition(b, "Ready", "message"));
        assert_string_not_equal(condition(b, "Ready", "lastTransitionTime"), "2000-01-01T00:00:00Z");
        assert_string_equal(json_get_string(b, "startTime"), "2000-01-01T00:00:00Z");
        json_object_put(prev);

        /* terminal phases are sticky */
        _cleanup_(json_object_putp) json_object *c = build(&ok, 1, "Never", NULL, false);
        assert_string_equal(json_get_string(c, "phase"), "Succeeded");
        assert_string_equal(condition(c, "Ready", "reason"), "PodCompleted");
        _cleanup_(json_object_putp) json_object *d = build(&running, 1, "Never", c, false);
        assert_string_equal(json_get_string(d, "phase"), "Succeeded");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_container_state_table),
                cmocka_unit_test(test_vanished_container),
                cmocka_unit_test(test_phase_table),
                cmocka_unit_test(test_conditions_and_stickiness),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
