/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Pure status computation: systemd unit property snapshots → v1.ContainerStatus / v1.PodStatus.
 * No bus, no clock (now is a parameter), so the mapping table is unit-tested (test-pod-status.c).
 *
 * Container state mapping (first matching row wins; see container_state_rows[] in pod-status.c):
 *   pre-start problem (translate/StartTransientUnit)  → waiting{reason, message}
 *   no snapshot / not loaded and never ran            → waiting{ContainerCreating}
 *   active, deactivating, reloading                   → running{startedAt = ExecMainStartTimestamp}
 *   activating/auto-restart (between Restart= runs)   → waiting{CrashLoopBackOff} + lastState.terminated
 *   activating (start)                                → waiting{ContainerCreating}
 *   inactive/failed after a run                       → terminated{exitCode, signal, reason, times}
 *   failed without a run (Result=exec, resources...)  → terminated{StartError, exitCode 128}
 * A unit that is gone (not loaded) although the container was reported before (kubelet's rules):
 *   previously terminated → that terminated state is kept
 *   previously running    → terminated{ContainerStatusUnknown, exitCode 137}
 * Phase follows kubelet's getPhase(); conditions follow pkg/kubelet/status/generate.go (no init
 * containers, no probes yet: ready == running).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

typedef struct UnitSnapshot {
        bool loaded;                 /* LoadState=loaded */
        char *active_state;          /* ActiveState */
        char *sub_state;             /* SubState */
        char *result;                /* Service.Result */
        int32_t exec_main_code;      /* CLD_EXITED=1, CLD_KILLED=2, CLD_DUMPED=3; 0 = never exited */
        int32_t exec_main_status;
        uint32_t n_restarts;
        uint32_t main_pid;
        uint64_t exec_main_start_usec;   /* CLOCK_REALTIME µs, 0 = never */
        uint64_t exec_main_exit_usec;
        char invocation_id[33];      /* hex, "" if none */
} UnitSnapshot;

void unit_snapshot_done(UnitSnapshot *s);

typedef struct ContainerInput {
        const char *name;
        const char *image;
        const char *unit;
        const char *waiting_reason;  /* pre-start problem, or NULL */
        const char *waiting_message;
        const UnitSnapshot *snap;    /* NULL: nothing known yet */
        json_object *prev;           /* previously reported v1.ContainerStatus of this container, or NULL */
} ContainerInput;

typedef enum ContainerStateKind {
        CONTAINER_WAITING,
        CONTAINER_RUNNING,
        CONTAINER_TERMINATED,
} ContainerStateKind;

/* A v1.ContainerStatus object; *ret_kind and *ret_has_history (a previous termination exists) optional. */
json_object *container_status_build(const ContainerInput *in, ContainerStateKind *ret_kind, bool *ret_has_history);

typedef struct PodStatusInput {
        const ContainerInput *containers;
        size_t n_containers;
        const char *restart_policy;  /* Always | OnFailure | Never */
        const char *qos_class;
        const char *host_ip;
        const char *pod_ip;
        bool sandbox_ready;          /* pod slice is up */
        bool terminating;            /* deletionTimestamp set */
        json_object *prev;           /* last status (reported or from the API object), may be NULL */
        uint64_t now_usec;           /* CLOCK_REALTIME */
        const char *pod_error;       /* pod-level translate failure: phase Failed-ish message */
} PodStatusInput;

int pod_status_build(const PodStatusInput *in, json_object **ret);
