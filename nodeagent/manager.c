/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Manager: systemd connection (matches + Subscribe), node registration, 10 s heartbeat (node status
 * PATCH + Lease renewal), and the initial ListUnitsByPatterns for adoption. Pods: pod-manager.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "json-util.h"
#include "kshim-config.h"
#include "kshim-limits.h"
#include "log.h"
#include "nodeagent.h"
#include "util.h"

#define HEARTBEAT_USEC (10ULL * 1000000ULL)
#define LEASE_DURATION_SEC 40
#define KUBELET_VERSION "v1.32.0+kshim-" KSHIM_VERSION

/* ---- systemd signals: only mark pods dirty ---- */

static int match_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *job, *unit, *result;
        uint32_t id;
        if (sd_bus_message_read(msg, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        if (!startswith(unit, "kshim"))
                return 0;
        manager_on_job_removed(m, job, unit, result);
        return 0;
}

static int match_unit_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *unit, *path;
        if (sd_bus_message_read(msg, "so", &unit, &path) < 0 || !startswith(unit, "kshim"))
                return 0;
        Pod *p = manager_find_pod_by_unit(m, unit);
        if (p)
                pod_mark_dirty(p);
        return 0;
}

static int match_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        _cleanup_free_ char *unit = NULL;
        if (sd_bus_path_decode(sd_bus_message_get_path(msg), "/org/freedesktop/systemd1/unit", &unit) <= 0)
                return 0;
        if (!startswith(unit, "kshim"))
                return 0;
        Pod *p = manager_find_pod_by_unit(m, unit);
        if (p)
                pod_mark_dirty(p);
        return 0;
}

static int on_list_units(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *name, *desc;
        int r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_warning("ListUnitsByPatterns failed: %s", sd_bus_message_get_error(reply)->message);
                m->units_listed = true;
                manager_maybe_sweep_orphans(m);
                return 0;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                return 0;
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &name, &desc, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                        NULL)) > 0) {
                size_t n = strv_length(m->listed_units);
                char **l = realloc(m->listed_units, sizeof(char *) * (n + 3));
                if (!l)
                        return log_oom();
                m->listed_units = l;
                l[n] = strdup(name);
                l[n + 1] = strdup(desc);
                l[n + 2] = NULL;
        }
        log_info("systemd has %zu kshim unit(s) at start", strv_length(m->listed_units) / 2);
        m->units_listed = true;
        manager_maybe_sweep_orphans(m);
        return 0;
}

static int manager_connect_bus(Manager *m) {
        int r;

        if (m->bus_address) {
                r = sd_bus_new(&m->bus);
                if (r < 0)
                        return log_error_errno(r, "sd_bus_new: %m");
                r = sd_bus_set_address(m->bus, m->bus_address);
                if (r < 0)
                        return log_error_errno(r, "Bad bus address '%s': %m", m->bus_address);
                (void) sd_bus_set_bus_client(m->bus, 1);
                r = sd_bus_start(m->bus);
        } else
                r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus: %m");

        r = sd_bus_match_signal_async(m->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                      "org.freedesktop.systemd1.Manager", "JobRemoved", match_job_removed, NULL, m);
        if (r >= 0)
                r = sd_bus_match_signal_async(m->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                              "org.freedesktop.systemd1.Manager", "UnitRemoved", match_unit_removed,
                                              NULL, m);
        if (r >= 0)
                r = sd_bus_add_match_async(m->bus, NULL,
                                           "type='signal',sender='org.freedesktop.systemd1',"
                                           "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                           "path_namespace='/org/freedesktop/systemd1/unit'",
                                           match_properties_changed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Cannot add bus matches: %m");

        r = sd_bus_call_method_async(m->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Subscribe: %m");

        /* losing systemd is fatal: exit (units keep running; a restarted agent adopts them) */
        (void) sd_bus_set_exit_on_disconnect(m->bus, true);
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "sd_bus_attach_event: %m");

        /* synchronous once at start-up, before the loop runs: the version goes into nodeInfo */
        r = sd_bus_get_property_string(m->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "Version", NULL, &m->systemd_version);
        if (r < 0)
                return log_error_errno(r, "Cannot read systemd's Version: %m");
        log_info("Connected to systemd %s", m->systemd_version);

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        r = sd_bus_message_new_method_call(m->bus, &call, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append_strv(call, NULL);
        if (r >= 0)
                r = sd_bus_message_append(call, "as", 1, "kshim*");
        if (r >= 0)
                r = sd_bus_call_async(m->bus, NULL, call, on_list_units, m, 0);
        if (r < 0)
                return log_error_errno(r, "ListUnitsByPatterns: %m");
        return 0;
}

/* ---- node object ---- */

static char *read_line_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *line = NULL;
        size_t n = 0;
        if (!f || getline(&line, &n, f) < 0) {
                free(line);
                return NULL;
        }
        line[strcspn(line, "\n")] = 0;
        return line;
}

static char *os_pretty_name(void) {
        _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        if (!f)
                f = fopen("/usr/lib/os-release", "re");
        while (f && getline(&line, &n, f) >= 0) {
                const char *v = startswith(line, "PRETTY_NAME=");
                if (!v)
                        continue;
                line[strcspn(line, "\n")] = 0;
                size_t l = strlen(v);
                if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0])
                        return strndup(v + 1, l - 2);
                return strdup(v);
        }
        return strdup("Linux");
}

static char *meminfo_total(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        unsigned long long kb;
        char *s;
        while (f && getline(&line, &n, f) >= 0)
                if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
                        return asprintf(&s, "%lluKi", kb) < 0 ? NULL : s;
        return strdup("0");
}

static void put_str(json_object *o, const char *path, const char *v) {
        (void) json_set(o, path, v ? json_object_new_string(v) : NULL);
}

static json_object *node_resources(Manager *m) {
        json_object *r = json_object_new_object();
        _cleanup_free_ char *mem = meminfo_total(), *cpu = NULL, *pods = NULL, *eph = NULL;
        struct statvfs sv;
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        const char *maxpods = getenv("KSHIM_AGENT_MAX_PODS");

        if (asprintf(&cpu, "%ld", ncpu > 0 ? ncpu : 1) < 0)
                cpu = NULL;
        if (asprintf(&pods, "%u", maxpods ? (unsigned) strtoul(maxpods, NULL, 10) : KSHIM_AGENT_MAX_PODS) < 0)
                pods = NULL;
        if ((statvfs(m->state_dir ?: "/", &sv) >= 0 || statvfs("/", &sv) >= 0) &&
            asprintf(&eph, "%lluKi", (unsigned long long) sv.f_blocks * sv.f_frsize / 1024) < 0)
                eph = NULL;
        put_str(r, "cpu", cpu);
        put_str(r, "memory", mem);
        put_str(r, "pods", pods);
        put_str(r, "ephemeral-storage", eph ?: "0");
        return r;
}

static json_object *node_condition(const char *type, const char *status, const char *reason, const char *message,
                                   const char *now, const char *transition) {
        json_object *c = json_object_new_object();
        put_str(c, "type", type);
        put_str(c, "status", status);
        put_str(c, "reason", reason);
        put_str(c, "message", message);
        put_str(c, "lastHeartbeatTime", now);
        put_str(c, "lastTransitionTime", transition);
        return c;
}

static json_object *node_status(Manager *m) {
        _cleanup_free_ char *now = NULL, *since = NULL, *os = os_pretty_name(), *rt = NULL,
                            *mid = read_line_file("/etc/machine-id"),
                            *boot = read_line_file("/proc/sys/kernel/random/boot_id"),
                            *uuid = read_line_file("/sys/class/dmi/id/product_uuid");
        json_object *st = json_object_new_object(), *conds = json_object_new_array(), *addrs = json_object_new_array();
        struct utsname u;
        uint64_t t;

        (void) sd_event_now(m->event, CLOCK_REALTIME, &t);
        now = k8s_format_rfc3339(t);
        since = k8s_format_rfc3339(m->node_registered_usec ?: t);
        (void) uname(&u);
        if (asprintf(&rt, "systemd://%s", strempty(m->systemd_version)) < 0)
                rt = NULL;

        json_object_object_add(st, "capacity", node_resources(m));
        json_object_object_add(st, "allocatable", node_resources(m));
        json_object_array_add(conds, node_condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                                                    "kshim node agent has sufficient memory available", now, since));
        json_object_array_add(conds, node_condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                                                    "kshim node agent has no disk pressure", now, since));
        json_object_array_add(conds, node_condition("PIDPressure", "False", "KubeletHasSufficientPID",
                                                    "kshim node agent has sufficient PID available", now, since));
        json_object_array_add(conds, node_condition("Ready", "True", "KubeletReady",
                                                    "kshim node agent is posting ready status", now, since));
        json_object_object_add(st, "conditions", conds);

        json_object *a = json_object_new_object();
        put_str(a, "type", "InternalIP");
        put_str(a, "address", m->node_ip);
        json_object_array_add(addrs, a);
        a = json_object_new_object();
        put_str(a, "type", "Hostname");
        put_str(a, "address", m->node_name);
        json_object_array_add(addrs, a);
        json_object_object_add(st, "addresses", addrs);

        put_str(st, "nodeInfo.machineID", strempty(mid));
        put_str(st, "nodeInfo.systemUUID", uuid ?: strempty(mid));
        put_str(st, "nodeInfo.bootID", strempty(boot));
        put_str(st, "nodeInfo.kernelVersion", u.release);
        put_str(st, "nodeInfo.osImage", os);
        put_str(st, "nodeInfo.containerRuntimeVersion", rt);
        put_str(st, "nodeInfo.kubeletVersion", KUBELET_VERSION);
        put_str(st, "nodeInfo.kubeProxyVersion", "");
        put_str(st, "nodeInfo.operatingSystem", "linux");
        put_str(st, "nodeInfo.architecture", "amd64");
        json_object_object_add(st, "daemonEndpoints", json_object_new_object());
        return st;
}

static json_object *node_object(Manager *m, bool with_status) {
        json_object *n = json_object_new_object();
        json_object *labels = json_object_new_object();
        put_str(n, "apiVersion", "v1");
        put_str(n, "kind", "Node");
        put_str(n, "metadata.name", m->node_name);
        json_object_object_add(labels, "kubernetes.io/hostname", json_object_new_string(m->node_name));
        json_object_object_add(labels, "kubernetes.io/os", json_object_new_string("linux"));
        json_object_object_add(labels, "kubernetes.io/arch", json_object_new_string("amd64"));
        json_object_object_add(labels, "node.kubernetes.io/instance-type", json_object_new_string("kshim"));
        json_object_object_add(json_get(n, "metadata"), "labels", labels);
        if (with_status)
                json_object_object_add(n, "status", node_status(m));
        return n;
}

static void send_node_status(Manager *m);
static void renew_lease(Manager *m);

static void on_node_status(ApiClient *c, long status, json_object *body, void *userdata) {
        Manager *m = userdata;
        if (status == 404) {
                log_warning("Node '%s' vanished from the API, registering again", m->node_name);
                m->node_registered = false;
        } else if (status < 0)
                log_warning("Node status PATCH: %s", strerror((int) -status));
        else if (status < 200 || status >= 300)
                log_warning("Node status PATCH: HTTP %ld %s", status, strempty(json_get_string(body, "message")));
}

static void send_node_status(Manager *m) {
        _cleanup_(json_object_putp) json_object *patch = json_object_new_object();
        _cleanup_free_ char *path = NULL;
        json_object_object_add(patch, "status", node_status(m));
        if (asprintf(&path, "/api/v1/nodes/%s/status", m->node_name) < 0)
                return;
        (void) api_request(m->api, "PATCH", path, "application/merge-patch+json", patch, on_node_status, m);
}

static void on_node_registered(ApiClient *c, long status, json_object *body, void *userdata) {
        Manager *m = userdata;
        if (status == 201 || status == 200 || status == 409) {
                if (!m->node_registered)
                        log_info("Node '%s' registered (%ld)", m->node_name, status);
                m->node_registered = true;
                if (status == 409) {
                        /* exists (agent restart): refresh labels, then status */
                        _cleanup_(json_object_putp) json_object *patch = node_object(m, false);
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "/api/v1/nodes/%s", m->node_name) >= 0)
                                (void) api_request(m->api, "PATCH", path, "application/merge-patch+json", patch, NULL,
                                                   NULL);
                }
                send_node_status(m);
                renew_lease(m);
                return;
        }
        if (status < 0)
                log_warning("Node registration: %s, retrying at the next heartbeat", strerror((int) -status));
        else
                log_warning("Node registration: HTTP %ld %s, retrying at the next heartbeat", status,
                            strempty(json_get_string(body, "message")));
}

static void register_node(Manager *m) {
        _cleanup_(json_object_putp) json_object *n = node_object(m, true);
        (void) api_request(m->api, "POST", "/api/v1/nodes", NULL, n, on_node_registered, m);
}

static json_object *lease_object(Manager *m) {
        json_object *l = json_object_new_object();
        uint64_t t;
        (void) sd_event_now(m->event, CLOCK_REALTIME, &t);
        _cleanup_free_ char *now = k8s_format_rfc3339_micro(t);
        put_str(l, "apiVersion", "coordination.k8s.io/v1");
        put_str(l, "kind", "Lease");
        put_str(l, "metadata.name", m->node_name);
        put_str(l, "metadata.namespace", "kube-node-lease");
        put_str(l, "spec.holderIdentity", m->node_name);
        (void) json_set(l, "spec.leaseDurationSeconds", json_object_new_int(LEASE_DURATION_SEC));
        put_str(l, "spec.renewTime", now);
        return l;
}

static void on_lease(ApiClient *c, long status, json_object *body, void *userdata) {
        Manager *m = userdata;
        if (status == 404 && m->lease_exists) {
                m->lease_exists = false;
                renew_lease(m);
        } else if (status == 404 || status == 409)
                m->lease_exists = status == 409;
        else if (status >= 200 && status < 300)
                m->lease_exists = true;
        else
                log_debug("Lease: %ld %s", status, strempty(json_get_string(body, "message")));
}

static void renew_lease(Manager *m) {
        _cleanup_(json_object_putp) json_object *l = lease_object(m);
        _cleanup_free_ char *path = NULL;
        if (!m->lease_exists) {
                (void) api_request(m->api, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", NULL,
                                   l, on_lease, m);
                return;
        }
        if (asprintf(&path, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s", m->node_name) < 0)
                return;
        _cleanup_(json_object_putp) json_object *patch = json_object_new_object();
        json_object_object_add(patch, "spec", json_object_get(json_get(l, "spec")));
        (void) api_request(m->api, "PATCH", path, "application/merge-patch+json", patch, on_lease, m);
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        if (!m->node_registered)
                register_node(m);
        else {
                send_node_status(m);
                renew_lease(m);
        }
        manager_retry_failed_status(m);
        (void) sd_event_source_set_time(s, usec + HEARTBEAT_USEC);
        return 0;
}

/* ---- life cycle ---- */

int manager_new(sd_event *e, Manager **ret) {
        Manager *m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(e);
        *ret = m;
        return 0;
}

int manager_start(Manager *m) {
        uint64_t now;
        int r;

        struct statfs sfs;
        m->cgroup_v1 = statfs("/sys/fs/cgroup", &sfs) >= 0 && sfs.f_type != CGROUP2_SUPER_MAGIC;
        log_info("cgroup %s hierarchy", m->cgroup_v1 ? "v1 (legacy/hybrid)" : "v2 (unified)");

        r = manager_connect_bus(m);
        if (r < 0)
                return r;
        r = api_client_new(m->event, m->server, &m->api);
        if (r < 0)
                return log_error_errno(r, "Cannot create API client: %m");

        m->node_registered_usec = now_usec(CLOCK_REALTIME);
        register_node(m);
        now = now_usec(CLOCK_MONOTONIC);
        r = sd_event_add_time(m->event, &m->heartbeat, CLOCK_MONOTONIC, now + HEARTBEAT_USEC, 0, on_heartbeat, m);
        if (r < 0)
                return log_error_errno(r, "Cannot add heartbeat timer: %m");
        (void) sd_event_source_set_enabled(m->heartbeat, SD_EVENT_ON);

        return manager_start_pod_watch(m);
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        manager_pods_free(m);
        api_watch_free(m->pod_watch);
        api_client_free(m->api);
        sd_event_source_disable_unref(m->heartbeat);
        sd_event_source_disable_unref(m->sync_source);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        strv_free(m->listed_units);
        strv_free(m->stopping_units);
        free(m->server);
        free(m->node_name);
        free(m->node_ip);
        free(m->state_dir);
        free(m->bus_address);
        free(m->systemd_version);
        return mfree(m);
}
