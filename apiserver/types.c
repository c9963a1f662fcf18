/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The type table (see types.h) and the per-type hooks: Table printer cells (computed like upstream's
 * pkg/printers/internalversion), defaulting (pods) and validation.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "quantity.h"
#include "status.h"
#include "types.h"
#include "util.h"
#include "validation.h"

const Subresource subresource_table[_SUB_MAX] = {
        [SUB_STATUS] = { "status", VERB_GET | VERB_UPDATE | VERB_PATCH, NULL, NULL, NULL, true },
        [SUB_SCALE] = { "scale", VERB_GET | VERB_UPDATE | VERB_PATCH, "autoscaling", "v1", "Scale", true },
        [SUB_BINDING] = { "binding", VERB_CREATE, "", "v1", "Binding", true },
        [SUB_LOG] = { "log", VERB_GET, "", "v1", "Pod", false },
        [SUB_EXEC] = { "exec", VERB_CREATE | VERB_GET, "", "v1", "PodExecOptions", false },
        [SUB_ATTACH] = { "attach", VERB_CREATE | VERB_GET, "", "v1", "PodAttachOptions", false },
        [SUB_PORTFORWARD] = { "portforward", VERB_CREATE | VERB_GET, "", "v1", "PodPortForwardOptions", false },
        [SUB_EVICTION] = { "eviction", VERB_CREATE, "policy", "v1", "Eviction", false },
        [SUB_PROXY] = { "proxy", VERB_CREATE | VERB_DELETE | VERB_GET | VERB_PATCH | VERB_UPDATE, "", "v1",
                        NULL, false },
        [SUB_EPHEMERALCONTAINERS] = { "ephemeralcontainers", VERB_GET | VERB_PATCH | VERB_UPDATE, NULL, NULL,
                                      NULL, false },
};

SubresourceKind subresource_from_string(const char *s) {
        for (size_t i = 0; i < _SUB_MAX; i++)
                if (s && streq(subresource_table[i].name, s))
                        return (SubresourceKind) i;
        return _SUB_INVALID;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Cells */

static json_object *str_or_none(const char *s) {
        return json_object_new_string(isempty(s) ? "<none>" : s);
}

static json_object *age_since(const char *ts, uint64_t now) {
        uint64_t t;

        if (!ts || k8s_parse_rfc3339(ts, &t) < 0)
                return json_object_new_string("<unknown>");
        _cleanup_free_ char *s = k8s_human_duration_signed((int64_t) now - (int64_t) t);
        return json_object_new_string(s ?: "<unknown>");
}

static json_object *cell_name(json_object *obj, uint64_t now) {
        return json_object_new_string(strempty(json_get_string(obj, "metadata.name")));
}

json_object *cell_age(json_object *obj, uint64_t now) {
        return age_since(json_get_string(obj, "metadata.creationTimestamp"), now);
}

#define COL_NAME                                                                                             \
        { "Name", "string", "name",                                                                          \
          "Name must be unique within a namespace. Is required when creating resources, although some "      \
          "resources may allow a client to request the generation of an appropriate name automatically. "   \
          "Name is primarily intended for creation idempotence and configuration definition. Cannot be "     \
          "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", \
          0, cell_name }
#define COL_AGE                                                                                              \
        { "Age", "string", "",                                                                               \
          "CreationTimestamp is a timestamp representing the server time when this object was created. It "  \
          "is not guaranteed to be set in happens-before order across separate operations. Clients may not " \
          "set this value. It is represented in RFC3339 form and is in UTC.",                               \
          0, cell_age }

static const PrinterColumn columns_default[] = { COL_NAME, COL_AGE };

/* ---- pods (printPod) ---- */

static json_object *container_state(json_object *cs, const char *which) {
        json_object *st = json_get(cs, "state");
        return st ? json_get(st, which) : NULL;
}

typedef struct PodSummary {
        int64_t restarts;
        int ready, total;
        char reason[128];
        char last_restart[64];
} PodSummary;

static bool condition_true(json_object *obj, const char *type) {
        json_object *conds = json_get(obj, "status.conditions");
        size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;

        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(conds, i);
                if (streq_ptr(json_get_string(c, "type"), type))
                        return streq_ptr(json_get_string(c, "status"), "True");
        }
        return false;
}

static bool has_condition(json_object *obj, const char *type) {
        json_object *conds = json_get(obj, "status.conditions");
        size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;

        for (size_t i = 0; i < n; i++)
                if (streq_ptr(json_get_string(json_object_array_get_idx(conds, i), "type"), type))
                        return true;
        return false;
}

static size_t array_len(json_object *a) {
        return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static void note_last_restart(PodSummary *s, json_object *cs) {
        const char *f = json_get_string(cs, "lastState.terminated.finishedAt");
        if (f && (s->last_restart[0] == 0 || strcmp(f, s->last_restart) > 0))
                snprintf(s->last_restart, sizeof s->last_restart, "%s", f);
}

static void pod_summarize(json_object *pod, PodSummary *s) {
        json_object *init_statuses = json_get(pod, "status.initContainerStatuses");
        json_object *statuses = json_get(pod, "status.containerStatuses");
        json_object *init_specs = json_get(pod, "spec.initContainers");
        bool initializing = false;

        *s = (PodSummary) {};
        s->total = (int) array_len(json_get(pod, "spec.containers"));
        snprintf(s->reason, sizeof s->reason, "%s", strempty(json_get_string(pod, "status.phase")));
        if (!isempty(json_get_string(pod, "status.reason")))
                snprintf(s->reason, sizeof s->reason, "%s", json_get_string(pod, "status.reason"));

        for (size_t i = 0; i < array_len(init_statuses); i++) {
                json_object *cs = json_object_array_get_idx(init_statuses, i);
                json_object *term = container_state(cs, "terminated");
                json_object *wait = container_state(cs, "waiting");
                const char *cname = json_get_string(cs, "name");
                bool restartable = false;

                s->restarts += json_get_int(cs, "restartCount", 0);
                note_last_restart(s, cs);

                for (size_t j = 0; j < array_len(init_specs); j++) {
                        json_object *spec = json_object_array_get_idx(init_specs, j);
                        if (streq_ptr(json_get_string(spec, "name"), cname))
                                restartable = streq_ptr(json_get_string(spec, "restartPolicy"), "Always");
                }

                if (term && json_get_int(term, "exitCode", 0) == 0)
                        continue;
                if (restartable && json_get_bool(cs, "started", false))
                        continue;
                if (term) {
                        const char *r = json_get_string(term, "reason");
                        if (isempty(r)) {
                                int64_t sig = json_get_int(term, "signal", 0);
                                if (sig != 0)
                                        snprintf(s->reason, sizeof s->reason, "Init:Signal:%" PRIi64, sig);
                                else
                                        snprintf(s->reason, sizeof s->reason, "Init:ExitCode:%" PRIi64,
                                                 json_get_int(term, "exitCode", 0));
                        } else
                                snprintf(s->reason, sizeof s->reason, "Init:%s", r);
                } else if (wait && !isempty(json_get_string(wait, "reason")) &&
                           !streq(json_get_string(wait, "reason"), "PodInitializing"))
                        snprintf(s->reason, sizeof s->reason, "Init:%s", json_get_string(wait, "reason"));
                else
                        snprintf(s->reason, sizeof s->reason, "Init:%zu/%zu", i, array_len(init_specs));
                initializing = true;
                break;
        }

        if (!initializing || condition_true(pod, "Initialized")) {
                bool has_running = false;

                s->restarts = 0;
                for (size_t k = array_len(statuses); k > 0; k--) {
                        json_object *cs = json_object_array_get_idx(statuses, k - 1);
                        json_object *term = container_state(cs, "terminated");
                        json_object *wait = container_state(cs, "waiting");
                        json_object *run = container_state(cs, "running");

                        s->restarts += json_get_int(cs, "restartCount", 0);
                        note_last_restart(s, cs);
                        if (wait && !isempty(json_get_string(wait, "reason")))
                                snprintf(s->reason, sizeof s->reason, "%s", json_get_string(wait, "reason"));
                        else if (term && !isempty(json_get_string(term, "reason")))
                                snprintf(s->reason, sizeof s->reason, "%s", json_get_string(term, "reason"));
                        else if (term) {
                                int64_t sig = json_get_int(term, "signal", 0);
                                if (sig != 0)
                                        snprintf(s->reason, sizeof s->reason, "Signal:%" PRIi64, sig);
                                else
                                        snprintf(s->reason, sizeof s->reason, "ExitCode:%" PRIi64,
                                                 json_get_int(term, "exitCode", 0));
                        } else if (json_get_bool(cs, "ready", false) && run) {
                                has_running = true;
                                s->ready++;
                        }
                }
                if (streq(s->reason, "Completed") && has_running)
                        snprintf(s->reason, sizeof s->reason, "%s",
                                 has_condition(pod, "Ready") ? "Running" : "NotReady");
        }

        if (json_get(pod, "metadata.deletionTimestamp")) {
                const char *phase = json_get_string(pod, "status.phase");
                if (streq_ptr(json_get_string(pod, "status.reason"), "NodeLost"))
                        snprintf(s->reason, sizeof s->reason, "Unknown");
                else if (!streq_ptr(phase, "Succeeded") && !streq_ptr(phase, "Failed"))
                        snprintf(s->reason, sizeof s->reason, "Terminating");
        }
}

json_object *pod_cell_ready(json_object *pod, uint64_t now) {
        PodSummary s;
        char buf[32];

        pod_summarize(pod, &s);
        snprintf(buf, sizeof buf, "%d/%d", s.ready, s.total);
        return json_object_new_string(buf);
}

json_object *pod_cell_status(json_object *pod, uint64_t now) {
        PodSummary s;

        pod_summarize(pod, &s);
        return json_object_new_string(s.reason);
}

json_object *pod_cell_restarts(json_object *pod, uint64_t now) {
        PodSummary s;
        char buf[128];
        uint64_t t;

        pod_summarize(pod, &s);
        if (s.restarts != 0 && s.last_restart[0] && k8s_parse_rfc3339(s.last_restart, &t) >= 0) {
                _cleanup_free_ char *d = k8s_human_duration_signed((int64_t) now - (int64_t) t);
                snprintf(buf, sizeof buf, "%" PRIi64 " (%s ago)", s.restarts, strempty(d));
        } else
                snprintf(buf, sizeof buf, "%" PRIi64, s.restarts);
        return json_object_new_string(buf);
}

static json_object *pod_cell_ip(json_object *pod, uint64_t now) {
        return str_or_none(json_get_string(pod, "status.podIP"));
}

static json_object *pod_cell_node(json_object *pod, uint64_t now) {
        return str_or_none(json_get_string(pod, "spec.nodeName"));
}

static json_object *pod_cell_nominated(json_object *pod, uint64_t now) {
        return str_or_none(json_get_string(pod, "status.nominatedNodeName"));
}

static json_object *pod_cell_gates(json_object *pod, uint64_t now) {
        json_object *gates = json_get(pod, "spec.readinessGates");
        size_t n = array_len(gates), ok = 0;
        char buf[32];

        if (n == 0)
                return json_object_new_string("<none>");
        for (size_t i = 0; i < n; i++)
                if (condition_true(pod, json_get_string(json_object_array_get_idx(gates, i), "conditionType")))
                        ok++;
        snprintf(buf, sizeof buf, "%zu/%zu", ok, n);
        return json_object_new_string(buf);
}

static const PrinterColumn columns_pods[] = {
        COL_NAME,
        { "Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0, pod_cell_ready },
        { "Status", "string", "", "The aggregate status of the containers in this pod.", 0, pod_cell_status },
        { "Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0, pod_cell_restarts },
        COL_AGE,
        { "IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1, pod_cell_ip },
        { "Node", "string", "", "NodeName is a request to schedule this pod onto a specific node.", 1, pod_cell_node },
        { "Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1, pod_cell_nominated },
        { "Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness.", 1, pod_cell_gates },
};

/* ---- nodes ---- */

json_object *node_cell_status(json_object *node, uint64_t now) {
        json_object *conds = json_get(node, "status.conditions");
        char buf[128] = "Unknown";

        for (size_t i = 0; i < array_len(conds); i++) {
                json_object *c = json_object_array_get_idx(conds, i);
                if (!streq_ptr(json_get_string(c, "type"), "Ready"))
                        continue;
                const char *st = json_get_string(c, "status");
                snprintf(buf, sizeof buf, "%s",
                         streq_ptr(st, "True") ? "Ready" : streq_ptr(st, "False") ? "NotReady" : "Unknown");
        }
        if (json_get_bool(node, "spec.unschedulable", false))
                strncat(buf, ",SchedulingDisabled", sizeof buf - strlen(buf) - 1);
        return json_object_new_string(buf);
}

static json_object *node_cell_roles(json_object *node, uint64_t now) {
        json_object *labels = json_get(node, "metadata.labels");
        char buf[512] = "";

        if (!json_object_is_type(labels, json_type_object))
                return json_object_new_string("<none>");
        json_object_object_foreach(labels, k, v) {
                const char *role = NULL;
                if (startswith(k, "node-role.kubernetes.io/"))
                        role = k + strlen("node-role.kubernetes.io/");
                else if (streq(k, "kubernetes.io/role"))
                        role = json_object_get_string(v);
                if (isempty(role))
                        continue;
                if (buf[0])
                        strncat(buf, ",", sizeof buf - strlen(buf) - 1);
                strncat(buf, role, sizeof buf - strlen(buf) - 1);
        }
        return str_or_none(buf);
}

static json_object *node_cell_version(json_object *node, uint64_t now) {
        return json_object_new_string(strempty(json_get_string(node, "status.nodeInfo.kubeletVersion")));
}

static json_object *node_address(json_object *node, const char *type) {
        json_object *a = json_get(node, "status.addresses");
        for (size_t i = 0; i < array_len(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (streq_ptr(json_get_string(e, "type"), type))
                        return str_or_none(json_get_string(e, "address"));
        }
        return json_object_new_string("<none>");
}

static json_object *node_cell_internal_ip(json_object *node, uint64_t now) {
        return node_address(node, "InternalIP");
}
static json_object *node_cell_external_ip(json_object *node, uint64_t now) {
        return node_address(node, "ExternalIP");
}
static json_object *node_cell_os_image(json_object *node, uint64_t now) {
        const char *s = json_get_string(node, "status.nodeInfo.osImage");
        return json_object_new_string(isempty(s) ? "<unknown>" : s);
}
static json_object *node_cell_kernel(json_object *node, uint64_t now) {
        const char *s = json_get_string(node, "status.nodeInfo.kernelVersion");
        return json_object_new_string(isempty(s) ? "<unknown>" : s);
}
static json_object *node_cell_runtime(json_object *node, uint64_t now) {
        const char *s = json_get_string(node, "status.nodeInfo.containerRuntimeVersion");
        return json_object_new_string(isempty(s) ? "<unknown>" : s);
}

static const PrinterColumn columns_nodes[] = {
        COL_NAME,
        { "Status", "string", "", "The status of the node", 0, node_cell_status },
        { "Roles", "string", "", "The roles of the node", 0, node_cell_roles },
        COL_AGE,
        { "Version", "string", "", "Kubelet Version reported by the node.", 0, node_cell_version },
        { "Internal-IP", "string", "", "List of addresses reachable to the node.", 1, node_cell_internal_ip },
        { "External-IP", "string", "", "List of addresses reachable to the node.", 1, node_cell_external_ip },
        { "OS-Image", "string", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1, node_cell_os_image },
        { "Kernel-Version", "string", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1, node_cell_kernel },
        { "Container-Runtime", "string", "", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1, node_cell_runtime },
};

/* ---- namespaces ---- */

static json_object *ns_cell_status(json_object *o, uint64_t now) {
        return json_object_new_string(strempty(json_get_string(o, "status.phase")));
}

static const PrinterColumn columns_namespaces[] = {
        COL_NAME,
        { "Status", "string", "", "The status of the namespace", 0, ns_cell_status },
        COL_AGE,
};

/* ---- events ---- */

static json_object *event_cell_last_seen(json_object *o, uint64_t now) {
        const char *t = json_get_string(o, "lastTimestamp");
        if (isempty(t))
                t = json_get_string(o, "eventTime");
        if (isempty(t))
                t = json_get_string(o, "metadata.creationTimestamp");
        return age_since(t, now);
}
static json_object *event_cell_type(json_object *o, uint64_t now) {
        return json_object_new_string(strempty(json_get_string(o, "type")));
}
static json_object *event_cell_reason(json_object *o, uint64_t now) {
        return json_object_new_string(strempty(json_get_string(o, "reason")));
}
static json_object *event_cell_object(json_object *o, uint64_t now) {
        const char *kind = json_get_string(o, "involvedObject.kind");
        const char *name = json_get_string(o, "involvedObject.name");
        char buf[512];
        char lower[128];
        size_t i;

        if (!kind)
                kind = json_get_string(o, "regarding.kind");
        if (!name)
                name = json_get_string(o, "regarding.name");
        for (i = 0; kind && kind[i] && i < sizeof lower - 1; i++)
                lower[i] = (char) (kind[i] >= 'A' && kind[i] <= 'Z' ? kind[i] + 32 : kind[i]);
        lower[i] = 0;
        snprintf(buf, sizeof buf, "%s/%s", lower, strempty(name));
        return json_object_new_string(buf);
}
static json_object *event_cell_message(json_object *o, uint64_t now) {
        const char *m = json_get_string(o, "message");
        if (!m)
                m = json_get_string(o, "note");
        return json_object_new_string(strempty(m));
}

static const PrinterColumn columns_events[] = {
        { "Last Seen", "string", "", "Time when this Event was last seen", 0, event_cell_last_seen },
        { "Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future.", 0, event_cell_type },
        { "Reason", "string", "", "The reason for this event.", 0, event_cell_reason },
        { "Object", "string", "", "The object that this event is about.", 0, event_cell_object },
        { "Message", "string", "", "A human-readable description of the status of this operation.", 0, event_cell_message },
};

/* ---- leases, configmaps, secrets ---- */

static json_object *lease_cell_holder(json_object *o, uint64_t now) {
        return json_object_new_string(strempty(json_get_string(o, "spec.holderIdentity")));
}
static const PrinterColumn columns_leases[] = {
        COL_NAME,
        { "Holder", "string", "", "The holder of the lease.", 0, lease_cell_holder },
        COL_AGE,
};

static json_object *count_keys(json_object *o, const char *a, const char *b) {
        int64_t n = 0;
        json_object *x;
        if ((x = json_get(o, a)) && json_object_is_type(x, json_type_object))
                n += json_object_object_length(x);
        if (b && (x = json_get(o, b)) && json_object_is_type(x, json_type_object))
                n += json_object_object_length(x);
        return json_object_new_int64(n);
}
static json_object *cm_cell_data(json_object *o, uint64_t now) {
        return count_keys(o, "data", "binaryData");
}
static json_object *secret_cell_data(json_object *o, uint64_t now) {
        return count_keys(o, "data", NULL);
}
static json_object *secret_cell_type(json_object *o, uint64_t now) {
        return json_object_new_string(strempty(json_get_string(o, "type")));
}
static const PrinterColumn columns_configmaps[] = {
        COL_NAME,
        { "Data", "integer", "", "Data contains the configuration data.", 0, cm_cell_data },
        COL_AGE,
};
static const PrinterColumn columns_secrets[] = {
        COL_NAME,
        { "Type", "string", "", "Used to facilitate programmatic handling of secret data.", 0, secret_cell_type },
        { "Data", "integer", "", "Data contains the secret data.", 0, secret_cell_data },
        COL_AGE,
};

/* ---- services ---- */

static json_object *svc_cell_type(json_object *o, uint64_t now) {
        const char *t = json_get_string(o, "spec.type");
        return json_object_new_string(isempty(t) ? "ClusterIP" : t);
}
static json_object *svc_cell_cluster_ip(json_object *o, uint64_t now) {
        return str_or_none(json_get_string(o, "spec.clusterIP"));
}
static json_object *svc_cell_external_ip(json_object *o, uint64_t now) {
        json_object *ips = json_get(o, "spec.externalIPs");
        json_object *ing = json_get(o, "status.loadBalancer.ingress");
        const char *type = json_get_string(o, "spec.type");
        char buf[512] = "";

        for (size_t i = 0; i < array_len(ing); i++) {
                const char *ip = json_get_string(json_object_array_get_idx(ing, i), "ip");
                if (!ip)
                        ip = json_get_string(json_object_array_get_idx(ing, i), "hostname");
                if (isempty(ip))
                        continue;
                if (buf[0])
                        strncat(buf, ",", sizeof buf - strlen(buf) - 1);
                strncat(buf, ip, sizeof buf - strlen(buf) - 1);
        }
        for (size_t i = 0; i < array_len(ips); i++) {
                if (buf[0])
                        strncat(buf, ",", sizeof buf - strlen(buf) - 1);
                strncat(buf, strempty(json_object_get_string(json_object_array_get_idx(ips, i))),
                        sizeof buf - strlen(buf) - 1);
        }
        if (streq_ptr(type, "ExternalName"))
                return json_object_new_string(strempty(json_get_string(o, "spec.externalName")));
        if (streq_ptr(type, "LoadBalancer") && !buf[0])
                return json_object_new_string("<pending>");
        return str_or_none(buf);
}
static json_object *svc_cell_ports(json_object *o, uint64_t now) {
        json_object *ports = json_get(o, "spec.ports");
        char buf[1024] = "";

        for (size_t i = 0; i < array_len(ports); i++) {
                json_object *p = json_object_array_get_idx(ports, i);
                char one[128];
                const char *proto = json_get_string(p, "protocol");
                int64_t np = json_get_int(p, "nodePort", 0);
                if (np > 0)
                        snprintf(one, sizeof one, "%" PRIi64 ":%" PRIi64 "/%s", json_get_int(p, "port", 0), np,
                                 proto ?: "TCP");
                else
                        snprintf(one, sizeof one, "%" PRIi64 "/%s", json_get_int(p, "port", 0), proto ?: "TCP");
                if (buf[0])
                        strncat(buf, ",", sizeof buf - strlen(buf) - 1);
                strncat(buf, one, sizeof buf - strlen(buf) - 1);
        }
        return str_or_none(buf);
}
static const PrinterColumn columns_services[] = {
        COL_NAME,
        { "Type", "string", "", "The type of service.", 0, svc_cell_type },
        { "Cluster-IP", "string", "", "The cluster IP of the service.", 0, svc_cell_cluster_ip },
        { "External-IP", "string", "", "The external IP of the service.", 0, svc_cell_external_ip },
        { "Port(s)", "string", "", "The ports of the service.", 0, svc_cell_ports },
        COL_AGE,
};

/* ---- deployments ---- */

static json_object *deploy_cell_ready(json_object *o, uint64_t now) {
        char buf[64];
        snprintf(buf, sizeof buf, "%" PRIi64 "/%" PRIi64, json_get_int(o, "status.readyReplicas", 0),
                 json_get_int(o, "spec.replicas", 1));
        return json_object_new_string(buf);
}
static json_object *deploy_cell_updated(json_object *o, uint64_t now) {
        return json_object_new_int64(json_get_int(o, "status.updatedReplicas", 0));
}
static json_object *deploy_cell_available(json_object *o, uint64_t now) {
        return json_object_new_int64(json_get_int(o, "status.availableReplicas", 0));
}
static const PrinterColumn columns_deployments[] = {
        COL_NAME,
        { "Ready", "string", "", "Number of the pod with ready state", 0, deploy_cell_ready },
        { "Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0, deploy_cell_updated },
        { "Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0, deploy_cell_available },
        COL_AGE,
};

/* ---------------------------------------------------------------------------------------------------- */
/* Defaulting and validation */

static bool image_tag_is_latest_or_missing(const char *image) {
        const char *slash, *colon;

        if (!image)
                return true;
        if (strchr(image, '@'))
                return false;
        slash = strrchr(image, '/');
        colon = strrchr(slash ? slash : image, ':');
        return !colon || streq(colon + 1, "latest");
}

static void set_default(json_object *o, const char *path, json_object *v) {
        if (!json_get(o, path))
                (void) json_set(o, path, v);
        else
                json_object_put(v);
}

static void default_containers(json_object *list) {
        for (size_t i = 0; i < array_len(list); i++) {
                json_object *c = json_object_array_get_idx(list, i);
                if (!json_object_is_type(c, json_type_object))
                        continue;
                set_default(c, "imagePullPolicy",
                            json_object_new_string(image_tag_is_latest_or_missing(json_get_string(c, "image"))
                                                           ? "Always"
                                                           : "IfNotPresent"));
                set_default(c, "terminationMessagePath", json_object_new_string("/dev/termination-log"));
                set_default(c, "terminationMessagePolicy", json_object_new_string("File"));
                set_default(c, "resources", json_object_new_object());
                json_object *ports = json_get(c, "ports");
                for (size_t j = 0; j < array_len(ports); j++) {
                        json_object *p = json_object_array_get_idx(ports, j);
                        if (json_object_is_type(p, json_type_object))
                                set_default(p, "protocol", json_object_new_string("TCP"));
                }
        }
}

/* Quality of service class (pkg/apis/core/v1/helper/qos, simplified to cpu and memory). */
static const char *pod_qos_class(json_object *pod) {
        bool any = false, guaranteed = true;
        const char *lists[] = { "spec.containers", "spec.initContainers" };

        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                json_object *cs = json_get(pod, lists[l]);
                for (size_t i = 0; i < array_len(cs); i++) {
                        json_object *c = json_object_array_get_idx(cs, i);
                        json_object *req = json_get(c, "resources.requests");
                        json_object *lim = json_get(c, "resources.limits");
                        const char *res[] = { "cpu", "memory" };

                        for (size_t k = 0; k < ELEMENTSOF(res); k++) {
                                json_object *rq = NULL, *lm = NULL;
                                int64_t a = 0, b = 0;

                                if (req)
                                        json_object_object_get_ex(req, res[k], &rq);
                                if (lim)
                                        json_object_object_get_ex(lim, res[k], &lm);
                                if (rq && k8s_quantity_parse(json_object_get_string(rq), &a) >= 0 && a != 0)
                                        any = true;
                                if (lm && k8s_quantity_parse(json_object_get_string(lm), &b) >= 0 && b != 0)
                                        any = true;
                                if (!lm)
                                        guaranteed = false;
                                else if (rq && a != b)
                                        guaranteed = false;
                        }
                }
        }
        if (!any)
                return "BestEffort";
        return guaranteed ? "Guaranteed" : "Burstable";
}

static int pod_defaults(const ResourceType *t, json_object *pod) {
        json_object *spec = json_get(pod, "spec");

        if (!json_object_is_type(spec, json_type_object))
                return 0;
        set_default(spec, "restartPolicy", json_object_new_string("Always"));
        set_default(spec, "dnsPolicy", json_object_new_string("ClusterFirst"));
        set_default(spec, "terminationGracePeriodSeconds", json_object_new_int64(30));
        set_default(spec, "schedulerName", json_object_new_string("default-scheduler"));
        set_default(spec, "securityContext", json_object_new_object());
        set_default(spec, "enableServiceLinks", json_object_new_boolean(true));
        set_default(spec, "priority", json_object_new_int(0));
        default_containers(json_get(spec, "containers"));
        default_containers(json_get(spec, "initContainers"));
        return 0;
}

/* Called on create only (status is reset for types with a status subresource before this). */
int pod_status_defaults(json_object *pod) {
        set_default(pod, "status.phase", json_object_new_string("Pending"));
        return json_set(pod, "status.qosClass", json_object_new_string(pod_qos_class(pod)));
}

static int pod_validate(const ResourceType *t, json_object *pod, json_object *old, json_object *causes) {
        json_object *cs = json_get(pod, "spec.containers");
        char field[128];

        if (array_len(cs) == 0) {
                k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_REQUIRED, "Required value", "spec.containers");
                return 0;
        }
        for (size_t i = 0; i < array_len(cs); i++) {
                json_object *c = json_object_array_get_idx(cs, i);
                _cleanup_free_ char *msg = NULL;
                const char *name = json_get_string(c, "name");

                snprintf(field, sizeof field, "spec.containers[%zu].name", i);
                if (isempty(name))
                        k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_REQUIRED, "Required value", field);
                else if (k8s_validate_dns1123_label(name, &msg) < 0) {
                        _cleanup_free_ char *m = NULL;
                        if (asprintf(&m, "Invalid value: \"%s\": %s", name, strempty(msg)) >= 0)
                                k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_INVALID, m, field);
                }
                snprintf(field, sizeof field, "spec.containers[%zu].image", i);
                if (isempty(json_get_string(c, "image")) && !old)
                        k8s_causes_append(causes, K8S_CAUSE_FIELD_VALUE_REQUIRED, "Required value", field);
        }
        return 0;
}

static int replicas_defaults(const ResourceType *t, json_object *o) {
        if (json_object_is_type(json_get(o, "spec"), json_type_object))
                set_default(o, "spec.replicas", json_object_new_int(1));
        return 0;
}

static int ns_defaults(const ResourceType *t, json_object *o) {
        set_default(o, "spec.finalizers", json_tokener_parse("[\"kubernetes\"]"));
        set_default(o, "status.phase", json_object_new_string("Active"));
        return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* The table */

#define STRV(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define COLS(x) .columns = (x), .n_columns = ELEMENTSOF(x)

static const FieldSpec fields_pods[] = {
        { "spec.nodeName", NULL },         { "spec.restartPolicy", NULL },
        { "spec.schedulerName", NULL },    { "spec.serviceAccountName", NULL },
        { "spec.hostNetwork", NULL },      { "status.phase", NULL },
        { "status.podIP", NULL },          { "status.nominatedNodeName", NULL },
        {},
};
static const FieldSpec fields_events[] = {
        { "involvedObject.kind", NULL },       { "involvedObject.namespace", NULL },
        { "involvedObject.name", NULL },       { "involvedObject.uid", NULL },
        { "involvedObject.apiVersion", NULL }, { "involvedObject.resourceVersion", NULL },
        { "involvedObject.fieldPath", NULL },  { "reason", NULL },
        { "reportingComponent", NULL },        { "source", "source.component" },
        { "type", NULL },                      {},
};
static const FieldSpec fields_events_k8s_io[] = {
        { "regarding.kind", NULL }, { "regarding.namespace", NULL }, { "regarding.name", NULL },
        { "regarding.uid", NULL },  { "reason", NULL },              { "reportingController", NULL },
        { "type", NULL },           {},
};
static const FieldSpec fields_secrets[] = { { "type", NULL }, {} };
static const FieldSpec fields_nodes[] = { { "spec.unschedulable", NULL }, {} };
static const FieldSpec fields_namespaces[] = { { "status.phase", NULL }, {} };
static const FieldSpec fields_replicas[] = { { "status.replicas", NULL }, {} };
static const FieldSpec fields_jobs[] = { { "status.successful", NULL }, {} };

#define SPEC_STATUS .top_fields = STRV("spec", "status")
#define CORE .group = "", .version = "v1", .openapi_prefix = "io.k8s.api.core.v1"
#define APPS .group = "apps", .version = "v1", .openapi_prefix = "io.k8s.api.apps.v1"
#define BATCH .group = "batch", .version = "v1", .openapi_prefix = "io.k8s.api.batch.v1"

const ResourceType resource_types[] = {
        { CORE, SPEC_STATUS, .kind = "Namespace", .list_kind = "NamespaceList", .plural = "namespaces", .singular = "namespace",
          .short_names = STRV("ns"), .namespaced = false, .verbs = VERBS_ALL & ~VERB_DELETECOLLECTION,
          .subresources = SUBF(SUB_STATUS), COLS(columns_namespaces), .fields = fields_namespaces,
          .defaults = ns_defaults },
        { CORE, SPEC_STATUS, .kind = "Pod", .list_kind = "PodList", .plural = "pods", .singular = "pod",
          .short_names = STRV("po"), .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS) | SUBF(SUB_BINDING) | SUBF(SUB_LOG) | SUBF(SUB_EXEC) |
                          SUBF(SUB_ATTACH) | SUBF(SUB_PORTFORWARD) | SUBF(SUB_EVICTION) | SUBF(SUB_PROXY) |
                          SUBF(SUB_EPHEMERALCONTAINERS),
          COLS(columns_pods), .fields = fields_pods, .defaults = pod_defaults, .validate = pod_validate,
          .graceful_delete = true, .return_deleted_object = true },
        { CORE, SPEC_STATUS, .kind = "Node", .list_kind = "NodeList", .plural = "nodes", .singular = "node",
          .short_names = STRV("no"), .namespaced = false, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS) | SUBF(SUB_PROXY), COLS(columns_nodes), .fields = fields_nodes,
          .create_keeps_status = true },
        { CORE, .top_fields = STRV("involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"), .kind = "Event", .list_kind = "EventList", .plural = "events", .singular = "event",
          .short_names = STRV("ev"), .namespaced = true, .verbs = VERBS_ALL, COLS(columns_events),
          .fields = fields_events },
        { CORE, .top_fields = STRV("data", "binaryData", "immutable"), .kind = "ConfigMap", .list_kind = "ConfigMapList", .plural = "configmaps", .singular = "configmap",
          .short_names = STRV("cm"), .namespaced = true, .verbs = VERBS_ALL, COLS(columns_configmaps) },
        { CORE, .top_fields = STRV("data", "stringData", "type", "immutable"), .kind = "Secret", .list_kind = "SecretList", .plural = "secrets", .singular = "secret",
          .namespaced = true, .verbs = VERBS_ALL, COLS(columns_secrets), .fields = fields_secrets },
        { CORE, .top_fields = STRV("secrets", "imagePullSecrets", "automountServiceAccountToken"), .kind = "ServiceAccount", .list_kind = "ServiceAccountList", .plural = "serviceaccounts",
          .singular = "serviceaccount", .short_names = STRV("sa"), .namespaced = true, .verbs = VERBS_ALL,
          COLS(columns_default) },
        { CORE, SPEC_STATUS, .kind = "Service", .list_kind = "ServiceList", .plural = "services", .singular = "service",
          .short_names = STRV("svc"), .categories = STRV("all"), .namespaced = true,
          .verbs = VERBS_ALL, .subresources = SUBF(SUB_STATUS) | SUBF(SUB_PROXY), COLS(columns_services),
          .return_deleted_object = true },
        { CORE, .top_fields = STRV("subsets"), .kind = "Endpoints", .list_kind = "EndpointsList", .plural = "endpoints", .singular = "endpoints",
          .short_names = STRV("ep"), .namespaced = true, .verbs = VERBS_ALL, COLS(columns_default) },
        { CORE, SPEC_STATUS, .defaults = replicas_defaults, .kind = "ReplicationController", .list_kind = "ReplicationControllerList",
          .plural = "replicationcontrollers", .singular = "replicationcontroller", .short_names = STRV("rc"),
          .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS) | SUBF(SUB_SCALE), COLS(columns_default), .fields = fields_replicas,
          .tracks_generation = true },
        { CORE, SPEC_STATUS, .kind = "LimitRange", .list_kind = "LimitRangeList", .plural = "limitranges", .singular = "limitrange",
          .short_names = STRV("limits"), .namespaced = true, .verbs = VERBS_ALL, COLS(columns_default) },
        { CORE, SPEC_STATUS, .kind = "ResourceQuota", .list_kind = "ResourceQuotaList", .plural = "resourcequotas",
          .singular = "resourcequota", .short_names = STRV("quota"), .namespaced = true, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS), COLS(columns_default) },
        { .group = "coordination.k8s.io", .version = "v1", .openapi_prefix = "io.k8s.api.coordination.v1",
          SPEC_STATUS, .kind = "Lease", .list_kind = "LeaseList", .plural = "leases", .singular = "lease", .namespaced = true,
          .verbs = VERBS_ALL, COLS(columns_leases) },
        { .group = "events.k8s.io", .version = "v1", .openapi_prefix = "io.k8s.api.events.v1", .top_fields = STRV("eventTime", "series", "reportingController", "reportingInstance", "action", "reason", "regarding", "related", "note", "type", "deprecatedSource", "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount"), .kind = "Event",
          .list_kind = "EventList", .plural = "events", .singular = "event", .short_names = STRV("ev"),
          .namespaced = true, .verbs = VERBS_ALL, COLS(columns_events), .fields = fields_events_k8s_io },
        { APPS, SPEC_STATUS, .defaults = replicas_defaults, .kind = "Deployment", .list_kind = "DeploymentList", .plural = "deployments", .singular = "deployment",
          .short_names = STRV("deploy"), .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS) | SUBF(SUB_SCALE), COLS(columns_deployments),
          .tracks_generation = true },
        { APPS, SPEC_STATUS, .defaults = replicas_defaults, .kind = "ReplicaSet", .list_kind = "ReplicaSetList", .plural = "replicasets", .singular = "replicaset",
          .short_names = STRV("rs"), .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS) | SUBF(SUB_SCALE), COLS(columns_default), .fields = fields_replicas,
          .tracks_generation = true },
        { APPS, SPEC_STATUS, .defaults = replicas_defaults, .kind = "StatefulSet", .list_kind = "StatefulSetList", .plural = "statefulsets",
          .singular = "statefulset", .short_names = STRV("sts"), .categories = STRV("all"), .namespaced = true,
          .verbs = VERBS_ALL, .subresources = SUBF(SUB_STATUS) | SUBF(SUB_SCALE), COLS(columns_default),
          .tracks_generation = true },
        { APPS, SPEC_STATUS, .kind = "DaemonSet", .list_kind = "DaemonSetList", .plural = "daemonsets", .singular = "daemonset",
          .short_names = STRV("ds"), .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS), COLS(columns_default), .tracks_generation = true },
        { APPS, .top_fields = STRV("data", "revision"), .kind = "ControllerRevision", .list_kind = "ControllerRevisionList", .plural = "controllerrevisions",
          .singular = "controllerrevision", .namespaced = true, .verbs = VERBS_ALL, COLS(columns_default) },
        { BATCH, SPEC_STATUS, .kind = "Job", .list_kind = "JobList", .plural = "jobs", .singular = "job",
          .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL, .subresources = SUBF(SUB_STATUS),
          COLS(columns_default), .fields = fields_jobs, .tracks_generation = true },
        { BATCH, SPEC_STATUS, .kind = "CronJob", .list_kind = "CronJobList", .plural = "cronjobs", .singular = "cronjob",
          .short_names = STRV("cj"), .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL,
          .subresources = SUBF(SUB_STATUS), COLS(columns_default), .tracks_generation = true },
        { .group = "autoscaling", .version = "v2", .openapi_prefix = "io.k8s.api.autoscaling.v2",
          SPEC_STATUS, .kind = "HorizontalPodAutoscaler", .list_kind = "HorizontalPodAutoscalerList",
          .plural = "horizontalpodautoscalers", .singular = "horizontalpodautoscaler", .short_names = STRV("hpa"),
          .categories = STRV("all"), .namespaced = true, .verbs = VERBS_ALL, .subresources = SUBF(SUB_STATUS),
          COLS(columns_default) },
};
const size_t n_resource_types = ELEMENTSOF(resource_types);

const GroupVersion group_versions[] = {
        { "", "v1" },         { "apps", "v1" },       { "events.k8s.io", "v1" }, { "autoscaling", "v2" },
        { "batch", "v1" },    { "coordination.k8s.io", "v1" },
};
const size_t n_group_versions = ELEMENTSOF(group_versions);

const ResourceType *resource_type_find(const char *group, const char *version, const char *plural) {
        for (size_t i = 0; i < n_resource_types; i++) {
                const ResourceType *t = resource_types + i;
                if (streq(t->group, group) && streq(t->version, version) && streq(t->plural, plural))
                        return t;
        }
        return NULL;
}

const ResourceType *resource_type_find_kind(const char *group, const char *kind) {
        for (size_t i = 0; i < n_resource_types; i++)
                if (streq(resource_types[i].group, group) && streq(resource_types[i].kind, kind))
                        return resource_types + i;
        return NULL;
}

bool group_version_served(const char *group, const char *version) {
        for (size_t i = 0; i < n_group_versions; i++)
                if (streq(group_versions[i].group, group) && streq(group_versions[i].version, version))
                        return true;
        return false;
}

const char *resource_type_qualified(const ResourceType *t) {
        static char buf[ELEMENTSOF(resource_types)][128];
        size_t i = (size_t) (t - resource_types);

        if (i >= n_resource_types)
                return t->plural;
        if (!buf[i][0]) {
                if (isempty(t->group))
                        snprintf(buf[i], sizeof buf[i], "%s", t->plural);
                else
                        snprintf(buf[i], sizeof buf[i], "%s.%s", t->plural, t->group);
        }
        return buf[i];
}

const char *resource_type_api_version(const ResourceType *t) {
        static char buf[ELEMENTSOF(resource_types)][128];
        size_t i = (size_t) (t - resource_types);

        if (i >= n_resource_types)
                return t->version;
        if (!buf[i][0]) {
                if (isempty(t->group))
                        snprintf(buf[i], sizeof buf[i], "%s", t->version);
                else
                        snprintf(buf[i], sizeof buf[i], "%s/%s", t->group, t->version);
        }
        return buf[i];
}

const char *resource_type_field_path(const ResourceType *t, const char *field) {
        if (streq(field, "metadata.name"))
                return field;
        if (streq(field, "metadata.namespace"))
                return t->namespaced ? field : NULL;
        for (const FieldSpec *f = t->fields; f && f->name; f++)
                if (streq(f->name, field))
                        return f->path ?: f->name;
        return NULL;
}

const char *resource_type_field_value(const ResourceType *t, json_object *obj, const char *field, char *buf,
                                      size_t bufsz) {
        const char *path = resource_type_field_path(t, field);
        json_object *v;

        if (!path)
                return NULL;
        v = json_get(obj, path);
        if (!v)
                return NULL;
        switch (json_object_get_type(v)) {
        case json_type_string:
                return json_object_get_string(v);
        case json_type_boolean:
                return json_object_get_boolean(v) ? "true" : "false";
        case json_type_int:
                snprintf(buf, bufsz, "%" PRIi64, json_object_get_int64(v));
                return buf;
        default:
                return NULL;
        }
}
