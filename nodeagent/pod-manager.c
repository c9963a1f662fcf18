/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Pod manager: the pod table and the per-pod state machine.
 *
 * Data flows
 *   API watch (pods with spec.nodeName=<node>) → on_pod_event/on_pod_list → pod table (uid → Pod),
 *       pod_mark_dirty()
 *   systemd signals (JobRemoved, UnitRemoved, PropertiesChanged on kshim* units) → pod_mark_dirty()
 *   deferred source at idle priority (on_sync) → pod_sync() for each dirty pod:
 *       NEW      → translate_pod() → StartTransientUnit(slice), StartTransientUnit(container)... (async,
 *                  mode "fail", slice first; "UnitExists" means the unit survived an agent restart: adopted)
 *       STARTED  → Properties.GetAll per unit (async) → when all replies are in → pod_status_build() →
 *                  PATCH pods/<name>/status (merge patch) if it differs from the last one reported
 *   Handlers never do the work themselves; they only mark, so bursts of signals coalesce into one
 *   refresh per pod per loop iteration.
 *
 * State machine (Pod.state)
 *   NEW ──translate, start slice──▶ STARTED (containers started one by one as they become startable)
 *   STARTED ──deletionTimestamp / gone from API──▶ STOPPING_CONTAINERS
 *   STOPPING_CONTAINERS (StopUnit "replace" per container; wait for each stop job's JobRemoved, or an
 *     error reply such as NoSuchUnit) ──▶ Unit.Unref per container, STOPPING_SLICE (StopUnit slice, same
 *     wait) ──▶ DELETING (DELETE gracePeriodSeconds=0 with preconditions.uid; 200/404/409 fine)
 *     ──▶ DONE (freed once no reply is outstanding). A pod that vanished from the API skips DELETE.
 *   NEW with deletion requested translates first (pure) to learn unit names an earlier agent may have
 *   left, then takes the same stop path.
 *
 * Unit lifetime: container units carry AddRef=yes, so systemd keeps a finished unit (and its exit
 * status) while our bus connection lives; CollectMode=inactive-or-failed lets it go once we Unref it.
 *
 * Adoption (agent restart): the Manager lists kshim* units at start. Nothing is started before the first
 * pod LIST and that listing are both in: then units whose pod uid (Description "(uid X)", or the slice
 * name) is not in the table are stopped (manager_maybe_sweep_orphans) and their names stay "busy" until
 * their stop job is gone. The others are picked up by StartTransientUnit → UnitExists (then Unit.Ref).
 * A container whose unit name is still held by an older pod (same ns/name, new uid: force delete +
 * re-create) or by an orphan being stopped waits, and starts when the name is free. Containers that
 * already finished for good (terminal phase, or terminated under Never / exit 0 under OnFailure) are
 * not run again; their last reported state is kept (pod-status.c).
 *
 * Status: reported only when it differs from the last successful PATCH; a failed PATCH is retried from
 * the 10 s heartbeat (manager_retry_failed_status).
 *
 * Known skeleton limits: lookups by unit name scan all pods (fine for a few hundred pods); restarts are
 * systemd's Restart= (replaced by the agent's own back-off in the next issue); restartCount restarts at 0
 * when a container unit had to be re-created after an agent restart.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "log.h"
#include "nodeagent.h"
#include "util.h"

static const char *const pod_state_table[_POD_STATE_MAX] = {
        [POD_NEW] = "new",
        [POD_STARTED] = "started",
        [POD_STOPPING_CONTAINERS] = "stopping-containers",
        [POD_STOPPING_SLICE] = "stopping-slice",
        [POD_DELETING] = "deleting",
        [POD_DONE] = "done",
};

const char *pod_state_to_string(PodState s) {
        return s < _POD_STATE_MAX ? pod_state_table[s] : NULL;
}

static void pod_free(Pod *p) {
        if (!p)
                return;
        HASH_DEL(p->manager->pods, p);
        for (size_t i = 0; i < p->n_containers; i++) {
                unit_snapshot_done(&p->containers[i].snap);
                free(p->containers[i].start_error_reason);
                free(p->containers[i].start_error_message);
        }
        free(p->containers);
        unit_snapshot_done(&p->slice_snap);
        unit_plan_free(p->plan);
        json_object_put(p->object);
        json_object_put(p->last_status);
        strv_free(p->stop_jobs);
        free(p->pod_error);
        free(p->uid);
        free(p->ns);
        free(p->name);
        free(p);
}

void manager_pods_free(Manager *m) {
        Pod *p, *tmp;
        HASH_ITER(hh, m->pods, p, tmp)
                pod_free(p);
}

static int on_sync(sd_event_source *s, void *userdata);
static bool pod_has_blocked_containers(const Pod *p);

void pod_mark_dirty(Pod *p) {
        Manager *m = p->manager;
        p->dirty = true;
        if (!m->sync_source) {
                if (sd_event_add_defer(m->event, &m->sync_source, on_sync, m) < 0) {
                        log_oom();
                        return;
                }
                (void) sd_event_source_set_priority(m->sync_source, SD_EVENT_PRIORITY_IDLE);
                (void) sd_event_source_set_description(m->sync_source, "pod-sync");
        }
        (void) sd_event_source_set_enabled(m->sync_source, SD_EVENT_ONESHOT);
}

Pod *manager_find_pod_by_unit(Manager *m, const char *unit) {
        Pod *p, *tmp;
        HASH_ITER(hh, m->pods, p, tmp) {
                if (!p->plan)
                        continue;
                if (streq(p->plan->slice.name, unit))
                        return p;
                for (size_t i = 0; i < p->plan->n_containers; i++)
                        if (streq(p->plan->containers[i].name, unit))
                                return p;
        }
        return NULL;
}

/* ---- status ---- */

static void on_status_patched(ApiClient *c, long status, json_object *body, void *userdata);

static json_object *prev_container_status(json_object *prev, const char *name) {
        json_object *l = json_get(prev, "containerStatuses");
        size_t n = json_object_is_type(l, json_type_array) ? json_object_array_length(l) : 0;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(l, i);
                if (streq_ptr(json_get_string(c, "name"), name))
                        return c;
        }
        return NULL;
}

static void pod_report_status(Pod *p) {
        Manager *m = p->manager;
        _cleanup_free_ ContainerInput *in = NULL;
        _cleanup_(json_object_putp) json_object *st = NULL, *patch = NULL;
        _cleanup_free_ char *path = NULL;
        size_t n;
        uint64_t now;
        int r;

        if (p->patch_inflight) {
                p->patch_again = true;
                return;
        }
        json_object *prev = p->last_status ?: json_get(p->object, "status");
        n = p->plan ? p->plan->n_containers : 0;
        json_object *spec_containers = json_get(p->object, "spec.containers");
        if (!p->plan)
                n = json_object_is_type(spec_containers, json_type_array) ? json_object_array_length(spec_containers) : 0;
        in = calloc(n + 1, sizeof(ContainerInput));
        if (!in) {
                log_oom();
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (p->plan) {
                        Container *c = &p->containers[i];
                        in[i] = (ContainerInput) {
                                .name = c->spec->container,
                                .image = c->spec->image,
                                .unit = c->spec->name,
                                .waiting_reason = c->spec->waiting_reason ?: c->start_error_reason,
                                .waiting_message = c->spec->waiting_reason ? c->spec->waiting_message
                                                                           : c->start_error_message,
                                .snap = c->have_snap ? &c->snap : NULL,
                                .prev = prev_container_status(prev, c->spec->container),
                        };
                } else {
                        json_object *sc = json_object_array_get_idx(spec_containers, i);
                        in[i] = (ContainerInput) {
                                .name = strempty(json_get_string(sc, "name")),
                                .image = json_get_string(sc, "image"),
                                .waiting_reason = "CreateContainerConfigError",
                                .waiting_message = p->pod_error,
                        };
                }
        }
        (void) sd_event_now(m->event, CLOCK_REALTIME, &now);
        PodStatusInput psi = {
                .containers = in,
                .n_containers = n,
                .restart_policy = p->plan ? p->plan->restart_policy : json_get_string(p->object, "spec.restartPolicy"),
                .qos_class = p->plan ? p->plan->qos_class : NULL,
                .host_ip = m->node_ip,
                .pod_ip = m->node_ip, /* pods share the node's network until pod networking exists */
                .sandbox_ready = p->have_slice_snap && streq_ptr(p->slice_snap.active_state, "active"),
                .terminating = p->deleting,
                .prev = prev,
                .now_usec = now,
                .pod_error = p->pod_error,
        };
        r = pod_status_build(&psi, &st);
        if (r < 0) {
                log_error_errno(r, "Cannot build status of pod %s/%s: %m", p->ns, p->name);
                return;
        }
        if (p->last_status && json_object_equal(p->last_status, st))
                return;

        patch = json_object_new_object();
        json_object_object_add(patch, "status", json_object_get(st));
        if (asprintf(&path, "/api/v1/namespaces/%s/pods/%s/status", p->ns, p->name) < 0)
                return;
        r = api_request(m->api, "PATCH", path, "application/merge-patch+json", patch, on_status_patched, p);
        if (r < 0) {
                log_error_errno(r, "PATCH %s: %m", path);
                return;
        }
        const char *phase = json_get_string(st, "phase");
        if (!streq_ptr(phase, json_get_string(p->last_status, "phase")))
                log_info("pod %s/%s: phase %s", p->ns, p->name, phase);
        else
                log_debug("pod %s/%s: status changed", p->ns, p->name);
        p->patch_inflight = true;
        json_object_put(p->last_status);
        p->last_status = TAKE_PTR(st);
}

static void on_status_patched(ApiClient *c, long status, json_object *body, void *userdata) {
        Pod *p = userdata;
        p->patch_inflight = false;
        if (status < 200 || status >= 300) {
                if (status < 0)
                        log_warning("pod %s/%s: status PATCH: %s, retrying", p->ns, p->name, strerror((int) -status));
                else if (status != 404)
                        log_warning("pod %s/%s: status PATCH: HTTP %ld %s", p->ns, p->name, status,
                                    strempty(json_get_string(body, "message")));
                /* forget it, so the next sync sends it again (the heartbeat retries) */
                json_object_put(p->last_status);
                p->last_status = NULL;
                p->status_failed = status != 404;
        } else
                p->status_failed = false;
        if (p->patch_again || p->state == POD_DONE) {
                p->patch_again = false;
                pod_mark_dirty(p);
        }
}

/* Async call whose userdata is a malloc()ed context: freed by the slot's destroy callback, so it is
 * released also when the reply never comes (bus closed at shutdown). */
static int call_async_owned(sd_bus *bus, sd_bus_message *call, sd_bus_message_handler_t cb, void *ctx) {
        sd_bus_slot *slot = NULL;
        int r = sd_bus_call_async(bus, &slot, call, cb, ctx, 0);
        if (r < 0) {
                free(ctx);
                return r;
        }
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return 0;
}

/* ---- unit snapshots ---- */

typedef struct RefreshCall {
        Pod *pod;
        ssize_t container;   /* -1 = slice */
} RefreshCall;

static int on_getall(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        RefreshCall *rc = userdata;
        Pod *p = rc->pod;
        UnitSnapshot *snap = rc->container < 0 ? &p->slice_snap : &p->containers[rc->container].snap;
        bool *have = rc->container < 0 ? &p->have_slice_snap : &p->containers[rc->container].have_snap;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_debug("GetAll: %s", sd_bus_message_get_error(reply)->message);
                unit_snapshot_done(snap);
                *have = false;
        } else if (bus_read_unit_snapshot(reply, snap) >= 0)
                *have = true;

        if (--p->calls_pending > 0)
                return 0;
        if (p->state == POD_STARTED && !p->deleting)
                pod_report_status(p);
        if (p->refresh_again) {
                p->refresh_again = false;
                pod_mark_dirty(p);
        }
        return 0;
}

static int pod_getall(Pod *p, const char *unit, ssize_t container) {
        _cleanup_free_ char *path = NULL;
        RefreshCall *rc;
        int r;

        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r < 0)
                return r;
        rc = malloc(sizeof(RefreshCall));
        if (!rc)
                return -ENOMEM;
        *rc = (RefreshCall) { .pod = p, .container = container };
        /* "" = all interfaces (sd-bus extension): Unit and Service properties in one reply */
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        r = sd_bus_message_new_method_call(p->manager->bus, &call, "org.freedesktop.systemd1", path,
                                           "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", "");
        if (r < 0) {
                free(rc);
                return r;
        }
        r = call_async_owned(p->manager->bus, call, on_getall, rc);
        if (r < 0)
                return r;
        p->calls_pending++;
        return 0;
}

static void pod_refresh(Pod *p) {
        if (p->calls_pending > 0) {
                p->refresh_again = true;
                return;
        }
        (void) pod_getall(p, p->plan->slice.name, -1);
        for (size_t i = 0; i < p->n_containers; i++)
                if (p->containers[i].start_sent)
                        (void) pod_getall(p, p->containers[i].spec->name, (ssize_t) i);
        if (p->calls_pending == 0)
                pod_report_status(p);
}

/* ---- start ---- */

/* fire-and-forget Unit.Ref / Unit.Unref */
static int unit_call(Manager *m, const char *unit, const char *method) {
        _cleanup_free_ char *path = NULL;
        int r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r < 0)
                return r;
        return sd_bus_call_method_async(m->bus, NULL, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit",
                                        method, NULL, NULL, NULL);
}

typedef struct StartCall {
        Pod *pod;
        ssize_t container;
} StartCall;

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        StartCall *sc = userdata;
        Pod *p = sc->pod;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *unit = sc->container < 0 ? p->plan->slice.name : p->plan->containers[sc->container].name;

        if (e && !streq_ptr(e->name, "org.freedesktop.systemd1.UnitExists")) {
                log_warning("pod %s/%s: StartTransientUnit %s: %s", p->ns, p->name, unit, e->message);
                if (sc->container >= 0) {
                        Container *c = &p->containers[sc->container];
                        free(c->start_error_reason);
                        free(c->start_error_message);
                        c->start_error_reason = strdup("CreateContainerError");
                        c->start_error_message = strdup(strempty(e->message));
                }
        } else if (e) {
                log_info("pod %s/%s: adopted running unit %s", p->ns, p->name, unit);
                /* a unit started by an earlier agent lost its AddRef with that connection: take one */
                if (sc->container >= 0)
                        (void) unit_call(p->manager, unit, "Ref");
        }
        else
                log_debug("pod %s/%s: started %s", p->ns, p->name, unit);
        pod_mark_dirty(p);
        return 0;
}

static int start_unit(Pod *p, const UnitSpec *u, ssize_t container) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        StartCall *sc;
        int r;

        r = sd_bus_message_new_method_call(p->manager->bus, &call, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "ss", u->name, "fail");
        if (r < 0)
                return r;
        r = bus_append_unit_properties(call, u);
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        sc = malloc(sizeof(StartCall));
        if (!sc)
                return -ENOMEM;
        *sc = (StartCall) { .pod = p, .container = container };
        return call_async_owned(p->manager->bus, call, on_start_reply, sc);
}

static int pod_translate(Pod *p) {
        Manager *m = p->manager;
        _cleanup_free_ char *error = NULL;
        TranslateContext ctx = { .node_name = m->node_name, .node_ip = m->node_ip, .cgroup_v1 = m->cgroup_v1 };
        int r;

        r = translate_pod(p->object, &ctx, &p->plan, &error);
        if (r < 0) {
                free(p->pod_error);
                p->pod_error = error ? TAKE_PTR(error) : strdup("cannot translate pod");
                log_warning("pod %s/%s: %s", p->ns, p->name, strempty(p->pod_error));
                return r;
        }
        p->containers = calloc(p->plan->n_containers + 1, sizeof(Container));
        if (!p->containers)
                return log_oom();
        p->n_containers = p->plan->n_containers;
        for (size_t i = 0; i < p->n_containers; i++)
                p->containers[i].spec = &p->plan->containers[i];
        return 0;
}

static bool container_finished(json_object *status, const char *name, const char *restart_policy) {
        json_object *cs = prev_container_status(status, name);
        json_object *t = json_get(cs, "state.terminated");
        if (!t || streq_ptr(restart_policy, "Always"))
                return false;
        return streq_ptr(restart_policy, "Never") || json_get_int(t, "exitCode", -1) == 0;
}

/* Is a unit of this name still owned by something else: another pod of the table that is going away
 * (same ns/name, new uid: `kubectl delete --force` + re-create), or an orphan being stopped? Starting
 * now would hit UnitExists and "adopt" the old pod's unit. */
static bool unit_name_busy(Manager *m, const Pod *self, const char *unit) {
        Pod *p, *tmp;
        for (char **i = m->stopping_units; i && *i; i++)
                if (streq(*i, unit))
                        return true;
        HASH_ITER(hh, m->pods, p, tmp) {
                if (p == self || !p->plan || p->state == POD_DONE)
                        continue;
                for (size_t j = 0; j < p->plan->n_containers; j++)
                        if (streq(p->plan->containers[j].name, unit))
                                return true;
        }
        return false;
}

/* Start every container that should run and was not started yet. Called on each sync of a STARTED pod,
 * so a container blocked by a unit-name collision starts once the old unit is gone. */
static void pod_start_containers(Pod *p) {
        json_object *prev = json_get(p->object, "status");
        bool terminal = streq_ptr(json_get_string(prev, "phase"), "Succeeded") ||
                        streq_ptr(json_get_string(prev, "phase"), "Failed");
        int r;

        for (size_t i = 0; i < p->n_containers; i++) {
                Container *c = &p->containers[i];
                if (c->spec->waiting_reason || c->start_sent || c->skip)
                        continue;
                /* after an agent restart: a container that already finished for good is not run again */
                if (terminal || container_finished(prev, c->spec->container, p->plan->restart_policy)) {
                        log_info("pod %s/%s: container %s already finished, not restarting", p->ns, p->name,
                                 c->spec->container);
                        c->skip = true;
                        continue;
                }
                if (unit_name_busy(p->manager, p, c->spec->name)) {
                        log_debug("pod %s/%s: %s still belongs to an older pod, waiting", p->ns, p->name, c->spec->name);
                        continue;
                }
                r = start_unit(p, c->spec, (ssize_t) i);
                if (r < 0) {
                        log_error_errno(r, "pod %s/%s: cannot start %s: %m", p->ns, p->name, c->spec->name);
                        continue;
                }
                c->start_sent = true;
        }
}

static void pod_start(Pod *p) {
        int r;

        p->state = POD_STARTED;
        if (pod_translate(p) < 0) {
                pod_report_status(p); /* nothing to run; status says why */
                return;
        }
        r = start_unit(p, &p->plan->slice, -1);
        if (r < 0)
                log_error_errno(r, "pod %s/%s: cannot start slice: %m", p->ns, p->name);
        log_info("pod %s/%s: starting in %s", p->ns, p->name, p->plan->slice.name);
}

/* ---- stop and delete ---- */

static int on_stop_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Pod *p = userdata;
        const char *job;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                /* NoSuchUnit: already gone */
                log_debug("StopUnit: %s", sd_bus_message_get_error(reply)->message);
                p->stops_pending--;
        } else if (sd_bus_message_read(reply, "o", &job) >= 0) {
                size_t n = strv_length(p->stop_jobs);
                char **l = realloc(p->stop_jobs, sizeof(char *) * (n + 2));
                if (l) {
                        p->stop_jobs = l;
                        l[n] = strdup(job);
                        l[n + 1] = NULL;
                }
        } else
                p->stops_pending--;
        pod_mark_dirty(p);
        return 0;
}

void manager_on_job_removed(Manager *m, const char *job, const char *unit, const char *result) {
        Pod *p, *tmp;
        HASH_ITER(hh, m->pods, p, tmp) {
                for (size_t i = 0; p->stop_jobs && p->stop_jobs[i]; i++)
                        if (streq(p->stop_jobs[i], job)) {
                                free(p->stop_jobs[i]);
                                memmove(p->stop_jobs + i, p->stop_jobs + i + 1,
                                        sizeof(char *) * (strv_length(p->stop_jobs + i + 1) + 1));
                                p->stops_pending--;
                                pod_mark_dirty(p);
                                return;
                        }
        }
        for (size_t i = 0; m->stopping_units && m->stopping_units[i]; i++)
                if (streq(m->stopping_units[i], unit)) {
                        /* an orphan is down: pods waiting for its name may start now */
                        free(m->stopping_units[i]);
                        memmove(m->stopping_units + i, m->stopping_units + i + 1,
                                sizeof(char *) * (strv_length(m->stopping_units + i + 1) + 1));
                        HASH_ITER(hh, m->pods, p, tmp)
                                if (pod_has_blocked_containers(p))
                                        pod_mark_dirty(p);
                        return;
                }
        p = manager_find_pod_by_unit(m, unit);
        if (p)
                pod_mark_dirty(p);
}

static int stop_unit(Pod *p, const char *unit) {
        int r = sd_bus_call_method_async(p->manager->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "StopUnit", on_stop_reply, p, "ss", unit,
                                         "replace");
        if (r >= 0)
                p->stops_pending++;
        return r;
}

static void on_pod_deleted(ApiClient *c, long status, json_object *body, void *userdata) {
        Pod *p = userdata;
        p->delete_inflight = false;
        if (status == 200 || status == 202 || status == 404 || status == 409) {
                /* 409: uid precondition failed, i.e. a new pod with the same name: ours is gone */
                log_info("pod %s/%s: deleted (%ld)", p->ns, p->name, status);
                p->state = POD_DONE;
        } else
                log_warning("pod %s/%s: DELETE: %ld %s, retrying", p->ns, p->name, status,
                            strempty(json_get_string(body, "message")));
        pod_mark_dirty(p);
}

static void pod_send_delete(Pod *p) {
        _cleanup_(json_object_putp) json_object *opts = json_object_new_object();
        _cleanup_free_ char *path = NULL;

        if (p->delete_inflight)
                return;
        json_object_object_add(opts, "kind", json_object_new_string("DeleteOptions"));
        json_object_object_add(opts, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(opts, "gracePeriodSeconds", json_object_new_int(0));
        (void) json_set(opts, "preconditions.uid", json_object_new_string(p->uid));
        if (asprintf(&path, "/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0", p->ns, p->name) < 0)
                return;
        if (api_request(p->manager->api, "DELETE", path, NULL, opts, on_pod_deleted, p) >= 0)
                p->delete_inflight = true;
}

static void pod_sync_deleting(Pod *p) {
        switch (p->state) {
        case POD_NEW:
                /* never started by this agent, but units of an earlier agent may exist: learn their names */
                if (!p->plan)
                        (void) pod_translate(p);
                __attribute__((fallthrough));
        case POD_STARTED:
                if (p->plan) {
                        log_info("pod %s/%s: stopping", p->ns, p->name);
                        for (size_t i = 0; i < p->plan->n_containers; i++)
                                (void) stop_unit(p, p->plan->containers[i].name);
                }
                p->state = POD_STOPPING_CONTAINERS;
                __attribute__((fallthrough));
        case POD_STOPPING_CONTAINERS:
                if (p->stops_pending > 0 || p->calls_pending > 0)
                        return;
                if (p->plan) {
                        /* containers are down: drop our references so systemd collects them */
                        for (size_t i = 0; i < p->plan->n_containers; i++)
                                (void) unit_call(p->manager, p->plan->containers[i].name, "Unref");
                        (void) stop_unit(p, p->plan->slice.name);
                }
                p->state = POD_STOPPING_SLICE;
                __attribute__((fallthrough));
        case POD_STOPPING_SLICE:
                if (p->stops_pending > 0 || p->calls_pending > 0)
                        return;
                p->state = POD_DELETING;
                __attribute__((fallthrough));
        case POD_DELETING:
                if (!p->in_api) {
                        p->state = POD_DONE;
                        log_info("pod %s/%s: units stopped", p->ns, p->name);
                } else
                        pod_send_delete(p);
                return;
        case POD_DONE:
        case _POD_STATE_MAX:
                return;
        }
}

/* ---- sync ---- */

static void pod_sync(Pod *p) {
        p->dirty = false;
        if (p->state == POD_DONE)
                return;
        if (p->deleting) {
                pod_sync_deleting(p);
                return;
        }
        if (!p->manager->orphans_swept)
                return; /* start nothing before leftovers of deleted pods are known (adoption) */
        if (p->state == POD_NEW)
                pod_start(p);
        if (p->plan) {
                pod_start_containers(p);
                pod_refresh(p);
        } else
                pod_report_status(p); /* untranslatable pod: status only */
}

static bool pod_has_blocked_containers(const Pod *p) {
        if (p->state != POD_STARTED || p->deleting)
                return false;
        for (size_t i = 0; i < p->n_containers; i++) {
                const Container *c = &p->containers[i];
                if (!c->start_sent && !c->skip && !c->spec->waiting_reason)
                        return true;
        }
        return false;
}

static int on_sync(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        Pod *p, *tmp;

        HASH_ITER(hh, m->pods, p, tmp)
                if (p->dirty)
                        pod_sync(p);
        /* free finished pods once nothing refers to them any more */
        bool freed = false;
        HASH_ITER(hh, m->pods, p, tmp)
                if (p->state == POD_DONE && !p->patch_inflight && !p->delete_inflight && p->calls_pending == 0 &&
                    p->stops_pending == 0) {
                        pod_free(p);
                        freed = true;
                }
        /* their unit names are free now: wake pods that wait for one */
        if (freed)
                HASH_ITER(hh, m->pods, p, tmp)
                        if (pod_has_blocked_containers(p))
                                pod_mark_dirty(p);
        return 0;
}

/* ---- API events ---- */

static Pod *pod_upsert(Manager *m, json_object *obj) {
        const char *uid = json_get_string(obj, "metadata.uid");
        const char *ns = json_get_string(obj, "metadata.namespace");
        const char *name = json_get_string(obj, "metadata.name");
        const char *node = json_get_string(obj, "spec.nodeName");
        Pod *p = NULL;

        if (isempty(uid) || isempty(name) || !streq_ptr(node, m->node_name))
                return NULL;
        HASH_FIND_STR(m->pods, uid, p);
        if (!p) {
                p = calloc(1, sizeof(Pod));
                if (!p)
                        return NULL;
                p->manager = m;
                p->uid = strdup(uid);
                p->ns = strdup(ns ?: "default");
                p->name = strdup(name);
                if (!p->uid || !p->ns || !p->name) {
                        free(p->uid);
                        free(p->ns);
                        free(p->name);
                        free(p);
                        return NULL;
                }
                HASH_ADD_KEYPTR(hh, m->pods, p->uid, strlen(p->uid), p);
                log_debug("pod %s/%s (%s) assigned", p->ns, p->name, p->uid);
        }
        json_object_put(p->object);
        p->object = json_object_get(obj);
        p->in_api = true;
        if (json_get(obj, "metadata.deletionTimestamp"))
                p->deleting = true;
        pod_mark_dirty(p);
        return p;
}

static void pod_vanished(Pod *p) {
        p->in_api = false;
        p->deleting = true;
        pod_mark_dirty(p);
}

static void on_pod_list(ApiWatch *w, json_object *items, void *userdata) {
        Manager *m = userdata;
        Pod *p, *tmp;
        size_t n = json_object_array_length(items);

        HASH_ITER(hh, m->pods, p, tmp) {
                bool found = false;
                for (size_t i = 0; i < n && !found; i++)
                        found = streq_ptr(json_get_string(json_object_array_get_idx(items, i), "metadata.uid"), p->uid);
                if (!found)
                        pod_vanished(p);
        }
        for (size_t i = 0; i < n; i++)
                (void) pod_upsert(m, json_object_array_get_idx(items, i));
        log_info("Pod list: %zu pod(s) on node '%s'", n, m->node_name);
        m->pods_listed = true;
        manager_maybe_sweep_orphans(m);
}

static void on_pod_event(ApiWatch *w, const char *type, json_object *obj, void *userdata) {
        Manager *m = userdata;
        if (streq(type, "DELETED")) {
                Pod *p = NULL;
                const char *uid = json_get_string(obj, "metadata.uid");
                if (uid)
                        HASH_FIND_STR(m->pods, uid, p);
                if (p)
                        pod_vanished(p);
                return;
        }
        (void) pod_upsert(m, obj);
}

int manager_start_pod_watch(Manager *m) {
        static const ApiWatchHandlers handlers = {
                .on_list = on_pod_list,
                .on_event = on_pod_event,
        };
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "/api/v1/pods?fieldSelector=spec.nodeName%%3D%s", m->node_name) < 0)
                return log_oom();
        return api_watch_new(m->api, path, &handlers, m, &m->pod_watch);
}

void manager_retry_failed_status(Manager *m) {
        Pod *p, *tmp;
        HASH_ITER(hh, m->pods, p, tmp)
                if (p->status_failed && !p->deleting)
                        pod_mark_dirty(p);
}

/* ---- adoption ---- */

static char *description_uid(const char *desc) {
        const char *u = desc ? strstr(desc, "(uid ") : NULL;
        if (!u)
                return NULL;
        u += 5;
        size_t l = strcspn(u, ")");
        return u[l] == ')' ? strndup(u, l) : NULL;
}

typedef struct OrphanStop {
        Manager *manager;
        char unit[];
} OrphanStop;

/* StopUnit of an orphan answered. On error (e.g. NoSuchUnit: already gone) no JobRemoved will free its
 * name, so do it here; on success JobRemoved follows. */
static int on_orphan_stopped(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        OrphanStop *o = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        if (e) {
                log_debug("StopUnit %s: %s", o->unit, e->message);
                manager_on_job_removed(o->manager, "", o->unit, "done");
        }
        return 0;
}

void manager_maybe_sweep_orphans(Manager *m) {
        int r;

        if (m->orphans_swept || !m->pods_listed || !m->units_listed)
                return;
        m->orphans_swept = true;
        for (size_t i = 0; m->listed_units && m->listed_units[i] && m->listed_units[i + 1]; i += 2) {
                const char *unit = m->listed_units[i];
                _cleanup_free_ char *uid = description_uid(m->listed_units[i + 1]);
                Pod *p = NULL;

                if (!uid)
                        (void) pod_slice_name_parse(unit, &uid);
                if (!uid)
                        continue; /* kshim.slice, QoS slices, foreign units */
                HASH_FIND_STR(m->pods, uid, p);
                if (p)
                        continue; /* adopted: StartTransientUnit will answer UnitExists */
                log_info("Stopping orphaned unit %s (pod uid %s is not on this node)", unit, uid);
                size_t n = strv_length(m->stopping_units);
                char **l = realloc(m->stopping_units, sizeof(char *) * (n + 2));
                if (!l || !(l[n] = strdup(unit))) {
                        if (l)
                                m->stopping_units = l;
                        log_oom();
                        continue;
                }
                l[n + 1] = NULL;
                m->stopping_units = l;

                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
                OrphanStop *o = malloc(sizeof(OrphanStop) + strlen(unit) + 1);
                if (!o)
                        continue;
                o->manager = m;
                strcpy(o->unit, unit);
                r = sd_bus_message_new_method_call(m->bus, &call, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                                   "org.freedesktop.systemd1.Manager", "StopUnit");
                if (r >= 0)
                        r = sd_bus_message_append(call, "ss", unit, "replace");
                if (r < 0) {
                        free(o);
                        continue;
                }
                (void) call_async_owned(m->bus, call, on_orphan_stopped, o);
        }
        m->listed_units = strv_free(m->listed_units);
        /* pods listed so far were waiting for this sweep */
        Pod *p, *tmp;
        HASH_ITER(hh, m->pods, p, tmp)
                pod_mark_dirty(p);
}
