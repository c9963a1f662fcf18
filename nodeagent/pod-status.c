/* SPDX-License-Identifier: Apache-2.0 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "pod-status.h"
#include "util.h"

void unit_snapshot_done(UnitSnapshot *s) {
        if (!s)
                return;
        free(s->active_state);
        free(s->sub_state);
        free(s->result);
        *s = (UnitSnapshot) {};
}

static int put_time(json_object *o, const char *key, uint64_t usec) {
        _cleanup_free_ char *t = k8s_format_rfc3339(usec);
        if (!t)
                return -ENOMEM;
        return json_object_object_add(o, key, json_object_new_string(t)) < 0 ? -ENOMEM : 0;
}

static void put_str(json_object *o, const char *key, const char *v) {
        json_object_object_add(o, key, json_object_new_string(v));
}

/* terminated{} from ExecMain* (the last run) */
static json_object *terminated_new(const UnitSnapshot *s) {
        json_object *t = json_object_new_object();
        int exit_code, sig = 0;
        const char *reason;

        if (!t)
                return NULL;
        if (s->exec_main_code == 1 /* CLD_EXITED */)
                exit_code = s->exec_main_status;
        else if (s->exec_main_code == 2 || s->exec_main_code == 3) {
                sig = s->exec_main_status;
                exit_code = 128 + sig;
        } else
                exit_code = 128; /* never ran: StartError, like containerd */

        /* Setup failures in systemd's child before execve() exit with systemd's own codes 200..243
         * (203/EXEC: binary not found, 200/CHDIR, 226/NAMESPACE, ... see systemd.exec(5)), Result=exit-code.
         * Known ambiguity: a program that itself exits with 200..243 is reported as StartError too. */
        bool start_error = s->exec_main_code == 0 || streq_ptr(s->result, "exec") ||
                           (s->exec_main_code == 1 && s->exec_main_status >= 200 && s->exec_main_status <= 243);
        if (start_error)
                exit_code = 128;

        if (start_error)
                reason = "StartError";
        else if (streq_ptr(s->result, "oom-kill"))
                reason = "OOMKilled";
        else
                reason = exit_code == 0 ? "Completed" : "Error";

        json_object_object_add(t, "exitCode", json_object_new_int(exit_code));
        if (sig > 0 && !start_error)
                json_object_object_add(t, "signal", json_object_new_int(sig));
        put_str(t, "reason", reason);
        if (start_error && s->result) {
                _cleanup_free_ char *m = NULL;
                if (asprintf(&m, "systemd could not start the container (Result=%s, exit status %d, see systemd.exec(5))",
                             s->result, s->exec_main_status) >= 0)
                        put_str(t, "message", m);
        }
        if (s->exec_main_start_usec > 0)
                (void) put_time(t, "startedAt", s->exec_main_start_usec);
        if (s->exec_main_exit_usec > 0)
                (void) put_time(t, "finishedAt", s->exec_main_exit_usec);
        return t;
}

static json_object *waiting_new(const char *reason, const char *message) {
        json_object *w = json_object_new_object();
        if (!w)
                return NULL;
        put_str(w, "reason", reason);
        if (message)
                put_str(w, "message", message);
        return w;
}

static bool has_run(const UnitSnapshot *s) {
        return s->exec_main_code != 0 || s->exec_main_exit_usec > 0;
}

json_object *container_status_build(const ContainerInput *in, ContainerStateKind *ret_kind, bool *ret_has_history) {
        _cleanup_(json_object_putp) json_object *cs = json_object_new_object(), *state = json_object_new_object();
        json_object *last = NULL;
        const UnitSnapshot *s = in->snap;
        ContainerStateKind kind;
        const char *as = s ? strempty(s->active_state) : "";
        const char *sub = s ? strempty(s->sub_state) : "";

        if (!cs || !state)
                return NULL;

        json_object *prev_term = json_get(in->prev, "state.terminated");
        /* no unit (yet or any more): kubelet keeps the last reported state */
        bool gone = !s || (!s->loaded && !has_run(s));

        if (in->waiting_reason) {
                kind = CONTAINER_WAITING;
                json_object_object_add(state, "waiting", waiting_new(in->waiting_reason, in->waiting_message));
        } else if (gone && prev_term) {
                kind = CONTAINER_TERMINATED;
                json_object_object_add(state, "terminated", json_object_get(prev_term));
        } else if (gone && json_get(in->prev, "state.running")) {
                kind = CONTAINER_TERMINATED;
                json_object *t = json_object_new_object();
                json_object_object_add(t, "exitCode", json_object_new_int(137));
                put_str(t, "reason", "ContainerStatusUnknown");
                put_str(t, "message", "The container could not be located when the pod was terminated");
                json_object_object_add(state, "terminated", t);
        } else if (!s || (!s->loaded && !has_run(s)) || streq(as, "")) {
                kind = CONTAINER_WAITING;
                json_object_object_add(state, "waiting", waiting_new("ContainerCreating", NULL));
        } else if (streq(as, "active") || streq(as, "deactivating") || streq(as, "reloading")) {
                kind = CONTAINER_RUNNING;
                json_object *r = json_object_new_object();
                if (s->exec_main_start_usec > 0)
                        (void) put_time(r, "startedAt", s->exec_main_start_usec);
                json_object_object_add(state, "running", r);
        } else if (streq(as, "activating") && streq(sub, "auto-restart")) {
                kind = CONTAINER_WAITING;
                json_object_object_add(state, "waiting",
                                       waiting_new("CrashLoopBackOff", "back-off restarting failed container"));
                last = terminated_new(s);
        } else if (streq(as, "activating")) {
                kind = CONTAINER_WAITING;
                json_object_object_add(state, "waiting", waiting_new("ContainerCreating", NULL));
        } else if (has_run(s) || streq(as, "failed")) {
                kind = CONTAINER_TERMINATED;
                json_object_object_add(state, "terminated", terminated_new(s));
        } else {
                kind = CONTAINER_WAITING;
                json_object_object_add(state, "waiting", waiting_new("ContainerCreating", NULL));
        }

        put_str(cs, "name", in->name);
        json_object_object_add(cs, "state", TAKE_PTR(state));
        json_object *ls = json_object_new_object();
        if (last)
                json_object_object_add(ls, "terminated", last);
        json_object_object_add(cs, "lastState", ls);
        json_object_object_add(cs, "ready", json_object_new_boolean(kind == CONTAINER_RUNNING));
        json_object_object_add(cs, "started", json_object_new_boolean(kind == CONTAINER_RUNNING));
        int32_t restarts = s ? (int32_t) s->n_restarts : 0;
        if (gone && in->prev)
                restarts = (int32_t) json_get_int(in->prev, "restartCount", 0); /* the counter went with the unit */
        json_object_object_add(cs, "restartCount", json_object_new_int(restarts));
        put_str(cs, "image", strempty(in->image));
        put_str(cs, "imageID", strempty(in->image));
        if (gone && json_get_string(in->prev, "containerID"))
                put_str(cs, "containerID", json_get_string(in->prev, "containerID"));
        else if (s && s->invocation_id[0] && in->unit) {
                _cleanup_free_ char *id = NULL;
                if (asprintf(&id, "systemd://%s/%s", in->unit, s->invocation_id) < 0)
                        return NULL;
                put_str(cs, "containerID", id);
        }
        if (ret_kind)
                *ret_kind = kind;
        if (ret_has_history)
                *ret_has_history = last != NULL;
        return TAKE_PTR(cs);
}

/* kubelet getPhase(), without init containers */
static const char *pod_phase(const PodStatusInput *in, json_object *statuses, const ContainerStateKind *kinds,
                             const bool *history) {
        size_t waiting = 0, running = 0, stopped = 0, succeeded = 0;
        const char *prev = json_get_string(in->prev, "phase");

        if (streq_ptr(prev, "Succeeded") || streq_ptr(prev, "Failed"))
                return prev; /* terminal phases are sticky */

        for (size_t i = 0; i < in->n_containers; i++) {
                json_object *cs = json_object_array_get_idx(statuses, i);
                switch (kinds[i]) {
                case CONTAINER_RUNNING:
                        running++;
                        break;
                case CONTAINER_TERMINATED:
                        stopped++;
                        if (json_get_int(cs, "state.terminated.exitCode", -1) == 0)
                                succeeded++;
                        break;
                case CONTAINER_WAITING:
                        if (history[i])
                                stopped++;
                        else
                                waiting++;
                        break;
                }
        }
        if (waiting > 0)
                return "Pending";
        if (running > 0)
                return "Running";
        if (stopped == in->n_containers && stopped > 0) {
                if (in->terminating)
                        return stopped == succeeded ? "Succeeded" : "Failed";
                if (streq_ptr(in->restart_policy, "Always"))
                        return "Running";
                if (stopped == succeeded)
                        return "Succeeded";
                if (streq_ptr(in->restart_policy, "Never"))
                        return "Failed";
                return "Running";
        }
        return "Pending";
}

static json_object *prev_condition(json_object *prev, const char *type) {
        json_object *l = json_get(prev, "conditions");
        size_t n = json_object_is_type(l, json_type_array) ? json_object_array_length(l) : 0;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(l, i);
                if (streq_ptr(json_get_string(c, "type"), type))
                        return c;
        }
        return NULL;
}

static int add_condition(json_object *list, const PodStatusInput *in, const char *type, bool status, const char *reason,
                         const char *message) {
        json_object *c = json_object_new_object(), *p = prev_condition(in->prev, type);
        const char *st = status ? "True" : "False";
        if (!c)
                return -ENOMEM;
        put_str(c, "type", type);
        put_str(c, "status", st);
        json_object_object_add(c, "lastProbeTime", NULL);
        /* keep lastTransitionTime while the status does not change */
        if (p && streq_ptr(json_get_string(p, "status"), st) && json_get_string(p, "lastTransitionTime"))
                put_str(c, "lastTransitionTime", json_get_string(p, "lastTransitionTime"));
        else
                (void) put_time(c, "lastTransitionTime", in->now_usec);
        if (reason)
                put_str(c, "reason", reason);
        if (message)
                put_str(c, "message", message);
        return json_object_array_add(list, c) < 0 ? -ENOMEM : 0;
}

static json_object *ip_list(const char *ip) {
        json_object *l = json_object_new_array(), *e = json_object_new_object();
        put_str(e, "ip", ip);
        json_object_array_add(l, e);
        return l;
}

int pod_status_build(const PodStatusInput *in, json_object **ret) {
        _cleanup_(json_object_putp) json_object *st = json_object_new_object(), *statuses = json_object_new_array(),
                                                 *conds = json_object_new_array();
        _cleanup_free_ ContainerStateKind *kinds = calloc(in->n_containers + 1, sizeof(ContainerStateKind));
        _cleanup_free_ bool *history = calloc(in->n_containers + 1, sizeof(bool));
        _cleanup_free_ char *unready = NULL;
        size_t n_ready = 0;
        int r;

        if (!st || !statuses || !conds || !kinds || !history)
                return -ENOMEM;

        for (size_t i = 0; i < in->n_containers; i++) {
                json_object *cs = container_status_build(&in->containers[i], &kinds[i], &history[i]);
                if (!cs)
                        return -ENOMEM;
                json_object_array_add(statuses, cs);
                if (kinds[i] == CONTAINER_RUNNING)
                        n_ready++;
                else {
                        char *u;
                        if (asprintf(&u, "%s%s%s", strempty(unready), unready ? " " : "", in->containers[i].name) < 0)
                                return -ENOMEM;
                        free(unready);
                        unready = u;
                }
        }

        const char *phase = pod_phase(in, statuses, kinds, history);
        bool completed = streq(phase, "Succeeded") || streq(phase, "Failed");
        bool all_ready = n_ready == in->n_containers && !completed;
        _cleanup_free_ char *msg = NULL;
        if (!all_ready && !completed && asprintf(&msg, "containers with unready status: [%s]", strempty(unready)) < 0)
                return -ENOMEM;
        const char *nr_reason = completed ? (streq(phase, "Succeeded") ? "PodCompleted" : "PodFailed") : "ContainersNotReady";

        put_str(st, "phase", phase);
        if ((r = add_condition(conds, in, "PodReadyToStartContainers", in->sandbox_ready && !completed, NULL, NULL)) < 0 ||
            (r = add_condition(conds, in, "Initialized", true, completed && streq(phase, "Succeeded") ? "PodCompleted" : NULL,
                               NULL)) < 0 ||
            (r = add_condition(conds, in, "Ready", all_ready, all_ready ? NULL : nr_reason, msg)) < 0 ||
            (r = add_condition(conds, in, "ContainersReady", all_ready, all_ready ? NULL : nr_reason, msg)) < 0 ||
            (r = add_condition(conds, in, "PodScheduled", true, NULL, NULL)) < 0)
                return r;
        json_object_object_add(st, "conditions", TAKE_PTR(conds));
        if (in->pod_error)
                put_str(st, "message", in->pod_error);
        if (in->host_ip) {
                put_str(st, "hostIP", in->host_ip);
                json_object_object_add(st, "hostIPs", ip_list(in->host_ip));
        }
        if (in->pod_ip) {
                put_str(st, "podIP", in->pod_ip);
                json_object_object_add(st, "podIPs", ip_list(in->pod_ip));
        }
        const char *start = json_get_string(in->prev, "startTime");
        if (start)
                put_str(st, "startTime", start);
        else
                (void) put_time(st, "startTime", in->now_usec);
        json_object_object_add(st, "containerStatuses", TAKE_PTR(statuses));
        if (in->qos_class)
                put_str(st, "qosClass", in->qos_class);
        *ret = TAKE_PTR(st);
        return 0;
}
