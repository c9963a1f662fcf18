/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * kshim-nodeagent core. One Manager per process, single-threaded on sd-event.
 *   manager.c      bus connection, systemd signal matches, node registration, heartbeat and Lease
 *   pod-manager.c  pod table, per-pod state machine, unit start/stop, status reporting (design notes there)
 *   bus-unit.c     UnitPlan → StartTransientUnit a(sv); GetAll → UnitSnapshot
 *   pod-status.c   pure snapshot → status mapping
 *   apiclient.c    libcurl multi on sd-event, list+watch
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <uthash.h>

#include "apiclient.h"
#include "pod-status.h"
#include "translate.h"

typedef struct Manager Manager;

typedef enum PodState {
        POD_NEW,              /* known from the API, nothing started */
        POD_STARTED,          /* StartTransientUnit sent (or units adopted) */
        POD_STOPPING_CONTAINERS,
        POD_STOPPING_SLICE,
        POD_DELETING,         /* units gone, DELETE sent */
        POD_DONE,             /* to be freed */
        _POD_STATE_MAX,
} PodState;

const char *pod_state_to_string(PodState s);

typedef struct Container {
        UnitSpec *spec;               /* borrowed from Pod.plan */
        UnitSnapshot snap;
        bool have_snap;
        bool start_sent;
        bool skip;                    /* finished for good before an agent restart: not run again */
        char *start_error_reason;     /* StartTransientUnit failed */
        char *start_error_message;
} Container;

typedef struct Pod {
        Manager *manager;
        char *uid, *ns, *name;        /* key: uid */
        json_object *object;          /* latest API object */
        UnitPlan *plan;
        char *pod_error;              /* translate failure */
        Container *containers;
        size_t n_containers;
        UnitSnapshot slice_snap;
        bool have_slice_snap;

        PodState state;
        bool dirty;
        bool deleting;                /* deletionTimestamp set, or gone from the API */
        bool in_api;                  /* still present in the API (DELETE needed) */
        bool slice_started;
        unsigned calls_pending;       /* GetAll replies outstanding for this refresh */
        bool refresh_again;
        char **stop_jobs;             /* job object paths we wait for (JobRemoved) */
        unsigned stops_pending;

        json_object *last_status;     /* last status PATCHed successfully */
        bool patch_inflight, patch_again, delete_inflight;
        bool status_failed;           /* last PATCH failed: retried from the heartbeat */
        UT_hash_handle hh;
} Pod;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        ApiClient *api;
        ApiWatch *pod_watch;

        char *server, *node_name, *node_ip, *state_dir, *bus_address;
        char *systemd_version;
        bool cgroup_v1;               /* /sys/fs/cgroup is not cgroup2 (legacy or hybrid) */

        Pod *pods;                    /* uid → Pod */
        sd_event_source *sync_source; /* deferred, idle priority: pods with dirty=true */
        sd_event_source *heartbeat;
        uint64_t node_registered_usec;
        bool node_registered, lease_exists;

        bool pods_listed, units_listed, orphans_swept;
        char **listed_units;          /* name, description pairs from ListUnitsByPatterns */
        char **stopping_units;        /* orphans being stopped: their names are not free yet */
};

int manager_new(sd_event *e, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
int manager_start(Manager *m);

/* pod-manager.c */
void pod_mark_dirty(Pod *p);
Pod *manager_find_pod_by_unit(Manager *m, const char *unit);
void manager_pods_free(Manager *m);
int manager_start_pod_watch(Manager *m);
void manager_on_job_removed(Manager *m, const char *job, const char *unit, const char *result);
void manager_maybe_sweep_orphans(Manager *m);
void manager_retry_failed_status(Manager *m);

/* bus-unit.c */
int bus_append_unit_property(sd_bus_message *m, const UnitProperty *p);
int bus_append_unit_properties(sd_bus_message *m, const UnitSpec *u);
int bus_read_unit_snapshot(sd_bus_message *reply, UnitSnapshot *ret);
