/* SPDX-License-Identifier: Apache-2.0 */

/* UnitPlan → a(sv) marshalling and GetAll → UnitSnapshot parsing, on a bus-less socketpair connection
 * (messages are built, sealed and read back; nothing is sent). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "json-util.h"
#include "nodeagent.h"

static sd_bus *test_bus(void) {
        sd_bus *bus = NULL;
        int fds[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        assert_int_equal(sd_bus_new(&bus), 0);
        assert_int_equal(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        assert_true(sd_bus_start(bus) >= 0);
        close(fds[1]);
        return bus;
}

static void test_marshal_plan(void **state) {
        const char *y = "metadata: {name: web, namespace: ns, uid: 0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff}\n"
                        "spec:\n"
                        "  containers:\n"
                        "  - {name: app, image: kshim.local/host, command: [/bin/sh, -c, 'echo $HOME'],\n"
                        "     resources: {limits: {memory: 1Mi}}}\n";
        _cleanup_(json_object_putp) json_object *pod = NULL;
        _cleanup_(unit_plan_freep) UnitPlan *plan = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = test_bus();
        const char *name, *sig, *s;
        bool seen_exec = false, seen_env = false, seen_mem = false, seen_ref = false;
        size_t n = 0;

        assert_int_equal(yaml_to_json(y, strlen(y), &pod, NULL), 0);
        assert_int_equal(translate_pod(pod, &(TranslateContext) { .node_name = "n" }, &plan, NULL), 0);
        assert_int_equal(sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                                        "org.freedesktop.systemd1.Manager", "StartTransientUnit"),
                         0);
        assert_true(sd_bus_message_append(m, "ss", plan->containers[0].name, "fail") >= 0);
        assert_true(bus_append_unit_properties(m, &plan->containers[0]) >= 0);
        assert_true(sd_bus_message_append(m, "a(sa(sv))", 0) >= 0);
        assert_true(sd_bus_message_seal(m, 1, 0) >= 0);
        assert_string_equal(sd_bus_message_get_signature(m, true), "ssa(sv)a(sa(sv))");

        assert_true(sd_bus_message_rewind(m, true) >= 0);
        assert_true(sd_bus_message_read(m, "ss", &name, &s) >= 0);
        assert_string_equal(name, "kshim_ns_web_app.service");
        assert_true(sd_bus_message_enter_container(m, 'a', "(sv)") > 0);
        while (sd_bus_message_enter_container(m, 'r', "sv") > 0) {
                assert_true(sd_bus_message_read(m, "s", &name) >= 0);
                assert_true(sd_bus_message_peek_type(m, NULL, &sig) >= 0);
                assert_string_equal(name, plan->containers[0].props[n].name);
                if (streq(name, "ExecStartEx")) {
                        _cleanup_strv_free_ char **argv = NULL, **flags = NULL;
                        const char *path;
                        assert_string_equal(sig, "a(sasas)");
                        assert_true(sd_bus_message_enter_container(m, 'v', sig) > 0);
                        assert_true(sd_bus_message_enter_container(m, 'a', "(sasas)") > 0);
                        assert_true(sd_bus_message_enter_container(m, 'r', "sasas") > 0);
                        assert_true(sd_bus_message_read(m, "s", &path) >= 0);
                        assert_true(sd_bus_message_read_strv(m, &argv) >= 0);
                        assert_true(sd_bus_message_read_strv(m, &flags) >= 0);
                        assert_string_equal(path, "/bin/sh");
                        assert_int_equal(strv_length(argv), 3u);
                        assert_string_equal(argv[2], "echo $HOME");
                        assert_int_equal(strv_length(flags), 1u);
                        assert_string_equal(flags[0], "no-env-expand");
                        for (int i = 0; i < 3; i++)
                                assert_true(sd_bus_message_exit_container(m) >= 0);
                        seen_exec = true;
                } else if (streq(name, "Environment")) {
                        _cleanup_strv_free_ char **env = NULL;
                        assert_string_equal(sig, "as");
                        assert_true(sd_bus_message_enter_container(m, 'v', sig) > 0);
                        assert_true(sd_bus_message_read_strv(m, &env) >= 0);
                        assert_true(sd_bus_message_exit_container(m) >= 0);
                        bool uid = false;
                        for (char **e = env; *e; e++)
                                uid = uid || streq(*e, "KSHIM_POD_UID=0b7e1c2a-1111-4a2b-9c3d-aabbccddeeff");
                        assert_true(uid);
                        seen_env = true;
                } else if (streq(name, "MemoryMax")) {
                        uint64_t v;
                        assert_true(sd_bus_message_read(m, "v", "t", &v) >= 0);
                        assert_int_equal(v, 1048576);
                        seen_mem = true;
                } else if (streq(name, "AddRef")) {
                        int b;
                        assert_true(sd_bus_message_read(m, "v", "b", &b) >= 0);
                        assert_true(b);
                        seen_ref = true;
                } else
                        assert_true(sd_bus_message_skip(m, "v") >= 0);
                assert_true(sd_bus_message_exit_container(m) >= 0);
                n++;
        }
        assert_int_equal(n, plan->containers[0].n_props);
        assert_true(seen_exec && seen_env && seen_mem && seen_ref);
}

static void test_read_snapshot(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = test_bus();
        const uint8_t id[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 1, 2, 3, 4, 5, 6, 7 };
        UnitSnapshot s = {};

        assert_int_equal(sd_bus_message_new_signal(bus, &m, "/x", "x.y", "Z"), 0);
        assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "LoadState", "s", "loaded") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "ActiveState", "s", "failed") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "Unrelated", "as", 2, "a", "b") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "SubState", "s", "failed") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "Result", "s", "exit-code") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "ExecMainCode", "i", 1) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "ExecMainStatus", "i", 7) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "NRestarts", "u", 4) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "ExecMainStartTimestamp", "t", (uint64_t) 1000) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "ExecMainExitTimestamp", "t", (uint64_t) 2000) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "MainPID", "s", "wrong type is skipped") >= 0);
        assert_true(sd_bus_message_open_container(m, 'e', "sv") >= 0);
        assert_true(sd_bus_message_append(m, "s", "InvocationID") >= 0);
        assert_true(sd_bus_message_open_container(m, 'v', "ay") >= 0);
        assert_true(sd_bus_message_append_array(m, 'y', id, sizeof(id)) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_seal(m, 1, 0) >= 0);
        assert_true(sd_bus_message_rewind(m, true) >= 0);

        assert_int_equal(bus_read_unit_snapshot(m, &s), 0);
        assert_true(s.loaded);
        assert_string_equal(s.active_state, "failed");
        assert_string_equal(s.sub_state, "failed");
        assert_string_equal(s.result, "exit-code");
        assert_int_equal(s.exec_main_code, 1);
        assert_int_equal(s.exec_main_status, 7);
        assert_int_equal(s.n_restarts, 4);
        assert_int_equal(s.main_pid, 0);
        assert_int_equal(s.exec_main_start_usec, 1000);
        assert_int_equal(s.exec_main_exit_usec, 2000);
        assert_string_equal(s.invocation_id, "0123456789abcdef0001020304050607");
        unit_snapshot_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_marshal_plan),
                cmocka_unit_test(test_read_snapshot),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
