/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Pod → systemd units translator. PURE: no libsystemd, no I/O, no clock. Same pod JSON + same context
 * gives the same UnitPlan, so golden tests (translator/tests/ *.yaml → *.units) pin the mapping.
 *
 * A plan holds one slice per pod and one service per regular container. Every unit carries an ordered
 * list of properties with explicit D-Bus types; nodeagent/ marshals them into StartTransientUnit's a(sv)
 * without knowing any property by name. The field → property mapping lives in ONE table in translate.c
 * (translate_rows[]), which also drives `kshim-translate --rows` (the source of docs/TRANSLATION.md).
 *
 * A container that cannot be started (unsupported image, no command) is still in the plan, with
 * waiting_reason/waiting_message set and no properties: the agent reports it as waiting and starts the
 * others. translate_pod() fails only when the pod object itself is unusable (missing uid, name, ...).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

#define KSHIM_HOST_IMAGE "kshim.local/host"
#define KSHIM_ROOT_SLICE "kshim.slice"

typedef enum QosClass {
        QOS_GUARANTEED,
        QOS_BURSTABLE,
        QOS_BEST_EFFORT,
        _QOS_MAX,
        _QOS_INVALID = -EINVAL,
} QosClass;

const char *qos_class_to_string(QosClass q);       /* "Guaranteed", "Burstable", "BestEffort" */
QosClass qos_class_from_string(const char *s);

/* Marshalled as ExecStartEx-style a(sasas): path, argv, flags ("ignore-failure", "no-env-expand"). */
typedef struct UnitExec {
        char *path;
        char **argv;          /* NULL-terminated */
        bool ignore_failure;
        bool no_env_expand;   /* systemd must not expand $VAR/$$ in argv (kubelet does not either) */
} UnitExec;

typedef struct UnitProperty {
        char *name;
        char type; /* 's','b','t' (uint64),'u','i','x','S' (strv),'E' (exec command: path, argv, flags; property name *Ex) */
        union {
                char *s;
                bool b;
                uint64_t t;
                uint32_t u;
                int32_t i;
                int64_t x;
                char **strv;  /* NULL-terminated */
                UnitExec exec;
        } value;
} UnitProperty;

typedef struct UnitSpec {
        char *name;            /* e.g. kshim_default_web_app.service */
        char *container;       /* container name; NULL for the slice */
        char *image;           /* container image as in the spec */
        UnitProperty *props;
        size_t n_props;
        char *waiting_reason;  /* set when the container cannot be started (props empty) */
        char *waiting_message;
} UnitSpec;

typedef struct UnitPlan {
        UnitSpec slice;
        UnitSpec *containers;
        size_t n_containers;
        char *qos_class;
        char *ns, *pod, *uid;
        char *restart_policy;  /* Always | OnFailure | Never */
} UnitPlan;

typedef struct TranslateContext {
        const char *node_name;
        const char *node_ip;
        bool cgroup_v1;        /* legacy/hybrid hierarchy: CPUShares= instead of CPUWeight= */
} TranslateContext;

int translate_pod(json_object *pod, const TranslateContext *ctx, UnitPlan **ret, char **ret_error);
UnitPlan *unit_plan_free(UnitPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitPlan *, unit_plan_free);

/* Unit-file-like dump for dry runs and golden tests. */
int unit_plan_to_text(const UnitPlan *p, FILE *f);
/* The mapping table as a Markdown table (docs/TRANSLATION.md). */
int translate_rows_to_markdown(FILE *f);

/* ---- naming (TEAM-NOTES "Unit naming") ---- */

/* QoS class from spec.containers/initContainers resources, as upstream's GetPodQOS (cpu and memory only;
 * an unset request defaults to the limit, as API defaulting does). */
QosClass pod_qos_class(json_object *pod);

/* kshim-<qos>-pod<uid_>.slice, kshim-pod<uid_>.slice for Guaranteed. NULL on OOM / bad args. */
char *pod_slice_name(QosClass q, const char *uid);
/* The uid of a pod slice name (with '-' restored), or -EINVAL. */
int pod_slice_name_parse(const char *slice, char **ret_uid);

/* kshim_<ns>_<pod>_<ctr>.service, or kshim_<ns>_<uid>_<ctr>.service if longer than KSHIM_UNIT_NAME_MAX. */
int container_unit_name(const char *ns, const char *pod, const char *uid, const char *container, char **ret);
/* Inverse of container_unit_name(). *ret_pod is the middle part: the pod name, or the pod UID when the long-name
 * fallback was used. Returns 1 if the middle part is UID-shaped (so it may be the fallback), 0 if not,
 * -EINVAL if unit is not a kshim container unit. Out-parameters are optional. */
int unit_name_parse(const char *unit, char **ret_ns, char **ret_pod, char **ret_container);

char **strv_free(char **l);
size_t strv_length(char * const *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)
