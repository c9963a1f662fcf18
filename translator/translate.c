/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Pod → UnitPlan. See translate.h for the contract.
 *
 * Shape: translate_pod() validates the few pod fields it needs, computes names and the QoS class, and
 * then walks translate_rows[] once for the slice and once per container. Each row names the pod field
 * it reads, the unit property it produces (D-Bus name and type) and a generator. A generator returns
 * 0 (row does not apply), 1 (property appended) or a negative errno; -EPROTO means "this container
 * cannot be started", with the reason/message already stored in the TranslateState.
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "kshim-limits.h"
#include "quantity.h"
#include "translate.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_TERMINATION_GRACE_SEC 30

static const char *const qos_class_table[_QOS_MAX] = {
        [QOS_GUARANTEED] = "Guaranteed",
        [QOS_BURSTABLE] = "Burstable",
        [QOS_BEST_EFFORT] = "BestEffort",
};
DEFINE_STRING_TABLE_LOOKUP(qos_class, QosClass);

static const char *const qos_slice_table[_QOS_MAX] = {
        [QOS_GUARANTEED] = "kshim-pod",
        [QOS_BURSTABLE] = "kshim-burstable-pod",
        [QOS_BEST_EFFORT] = "kshim-besteffort-pod",
};

/* ---------------------------------------------------------------------------------------------- */
/* strv helpers */

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

static int strv_push(char ***l, char *v) {
        size_t n = strv_length(*l);
        char **nl = realloc(*l, sizeof(char *) * (n + 2));
        if (!nl)
                return -ENOMEM;
        nl[n] = v;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

static int strv_extend(char ***l, const char *v) {
        char *c = strdup(v);
        if (!c)
                return -ENOMEM;
        int r = strv_push(l, c);
        if (r < 0)
                free(c);
        return r;
}

static int strv_extendf(char ***l, const char *fmt, ...) _printf_(2, 3);
static int strv_extendf(char ***l, const char *fmt, ...) {
        va_list ap;
        char *c;
        va_start(ap, fmt);
        int r = vasprintf(&c, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = strv_push(l, c);
        if (r < 0)
                free(c);
        return r;
}


/* ---------------------------------------------------------------------------------------------- */
/* naming */

char *pod_slice_name(QosClass q, const char *uid) {
        if (q < 0 || q >= _QOS_MAX || isempty(uid))
                return NULL;
        char *s;
        if (asprintf(&s, "%s%s.slice", qos_slice_table[q], uid) < 0)
                return NULL;
        /* '-' is the slice hierarchy separator: escape the UID's dashes as kubelet does */
        for (char *p = s + strlen(qos_slice_table[q]); *p != '.'; p++)
                if (*p == '-')
                        *p = '_';
        return s;
}

int pod_slice_name_parse(const char *slice, char **ret_uid) {
        const char *rest = NULL;
        if (!slice)
                return -EINVAL;
        for (QosClass q = 0; q < _QOS_MAX && !rest; q++)
                rest = startswith(slice, qos_slice_table[q]);
        if (!rest)
                return -EINVAL;
        const char *dot = strrchr(rest, '.');
        if (!dot || !streq(dot, ".slice") || dot == rest)
                return -EINVAL;
        char *u = strndup(rest, dot - rest);
        if (!u)
                return -ENOMEM;
        for (char *p = u; *p; p++) {
                if (*p == '_')
                        *p = '-';
                else if (*p == '-' || *p == '.') {
                        free(u);
                        return -EINVAL;
                }
        }
        if (ret_uid)
                *ret_uid = u;
        else
                free(u);
        return 0;
}

int container_unit_name(const char *ns, const char *pod, const char *uid, const char *container, char **ret) {
        char *s;
        if (isempty(ns) || isempty(pod) || isempty(container) || !ret)
                return -EINVAL;
        if (asprintf(&s, "kshim_%s_%s_%s.service", ns, pod, container) < 0)
                return -ENOMEM;
        if (strlen(s) > KSHIM_UNIT_NAME_MAX) {
                free(s);
                if (isempty(uid))
                        return -EINVAL;
                if (asprintf(&s, "kshim_%s_%s_%s.service", ns, uid, container) < 0)
                        return -ENOMEM;
                if (strlen(s) > KSHIM_UNIT_NAME_MAX) {
                        free(s);
                        return -ENAMETOOLONG;
                }
        }
        *ret = s;
        return 0;
}

static bool looks_like_uid(const char *s, size_t n) {
        /* 8-4-4-4-12 hex */
        if (n != 36)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return false;
                } else if (!isxdigit((unsigned char) s[i]))
                        return false;
        }
        return true;
}

int unit_name_parse(const char *unit, char **ret_ns, char **ret_pod, char **ret_container) {
        const char *p, *a, *b, *end;
        if (!unit)
                return -EINVAL;
        p = startswith(unit, "kshim_");
        if (!p)
                return -EINVAL;
        end = strrchr(p, '.');
        if (!end || !streq(end, ".service"))
                return -EINVAL;
        a = memchr(p, '_', end - p);
        if (!a || a == p)
                return -EINVAL;
        b = memchr(a + 1, '_', end - (a + 1));
        if (!b || b == a + 1 || b + 1 == end || memchr(b + 1, '_', end - (b + 1)))
                return -EINVAL;

        _cleanup_free_ char *ns = strndup(p, a - p), *pod = strndup(a + 1, b - (a + 1)),
                            *ctr = strndup(b + 1, end - (b + 1));
        if (!ns || !pod || !ctr)
                return -ENOMEM;
        int r = looks_like_uid(pod, strlen(pod));
        if (ret_ns)
                *ret_ns = TAKE_PTR(ns);
        if (ret_pod)
                *ret_pod = TAKE_PTR(pod);
        if (ret_container)
                *ret_container = TAKE_PTR(ctr);
        return r;
}

/* ---------------------------------------------------------------------------------------------- */
/* QoS (upstream pkg/apis/core/v1/helper/qos GetPodQOS, cpu+memory only) */

static bool quantity_is_zero(const char *q) {
        int64_t v;
        return k8s_quantity_parse(q, &v) >= 0 && v == 0;
}

static const char *resource_string(json_object *c, const char *kind, const char *res) {
        json_object *m = json_get(json_get(c, "resources"), kind);
        json_object *v;
        if (!m || !json_object_object_get_ex(m, res, &v))
                return NULL;
        /* a YAML "cpu: 1" arrives as a JSON number; Quantity accepts both */
        if (json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int) ||
            json_object_is_type(v, json_type_double))
                return json_object_get_string(v);
        return NULL;
}

static void qos_walk(json_object *list, bool *any, bool *guaranteed) {
        static const char *const res[] = { "cpu", "memory" };
        size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(list, i);
                for (size_t j = 0; j < ELEMENTSOF(res); j++) {
                        const char *req = resource_string(c, "requests", res[j]);
                        const char *lim = resource_string(c, "limits", res[j]);
                        int64_t rv, lv;
                        if ((req && !quantity_is_zero(req)) || (lim && !quantity_is_zero(lim)))
                                *any = true;
                        if (!lim || quantity_is_zero(lim)) {
                                *guaranteed = false;
                                continue;
                        }
                        if (!req)
                                continue; /* defaulted to the limit */
                        if (k8s_quantity_parse(req, &rv) < 0 || k8s_quantity_parse(lim, &lv) < 0 || rv != lv)
                                *guaranteed = false;
                }
        }
}

QosClass pod_qos_class(json_object *pod) {
        bool any = false, guaranteed = true;
        qos_walk(json_get(pod, "spec.initContainers"), &any, &guaranteed);
        qos_walk(json_get(pod, "spec.containers"), &any, &guaranteed);
        if (!any)
                return QOS_BEST_EFFORT;
        return guaranteed ? QOS_GUARANTEED : QOS_BURSTABLE;
}

/* ---------------------------------------------------------------------------------------------- */
/* property list building */

static void unit_property_done(UnitProperty *p) {
        free(p->name);
        switch (p->type) {
        case 's':
                free(p->value.s);
                break;
        case 'S':
                strv_free(p->value.strv);
                break;
        case 'E':
                free(p->value.exec.path);
                strv_free(p->value.exec.argv);
                break;
        default:
                break;
        }
}

static void unit_spec_done(UnitSpec *u) {
        for (size_t i = 0; i < u->n_props; i++)
                unit_property_done(&u->props[i]);
        free(u->props);
        free(u->name);
        free(u->container);
        free(u->image);
        free(u->waiting_reason);
        free(u->waiting_message);
        *u = (UnitSpec) {};
}

UnitPlan *unit_plan_free(UnitPlan *p) {
        if (!p)
                return NULL;
        unit_spec_done(&p->slice);
        for (size_t i = 0; i < p->n_containers; i++)
                unit_spec_done(&p->containers[i]);
        free(p->containers);
        free(p->qos_class);
        free(p->ns);
        free(p->pod);
        free(p->uid);
        free(p->restart_policy);
        return mfree(p);
}

static UnitProperty *unit_spec_add(UnitSpec *u, const char *name, char type) {
        UnitProperty *n = realloc(u->props, sizeof(UnitProperty) * (u->n_props + 1));
        if (!n)
                return NULL;
        u->props = n;
        UnitProperty *p = &n[u->n_props];
        *p = (UnitProperty) { .name = strdup(name), .type = type };
        if (!p->name)
                return NULL;
        u->n_props++;
        return p;
}

static int add_string(UnitSpec *u, const char *name, const char *v) {
        char *c = strdup(v);
        if (!c)
                return -ENOMEM;
        UnitProperty *p = unit_spec_add(u, name, 's');
        if (!p) {
                free(c);
                return -ENOMEM;
        }
        p->value.s = c;
        return 1;
}

static int add_bool(UnitSpec *u, const char *name, bool v) {
        UnitProperty *p = unit_spec_add(u, name, 'b');
        if (!p)
                return -ENOMEM;
        p->value.b = v;
        return 1;
}

static int add_u64(UnitSpec *u, const char *name, uint64_t v) {
        UnitProperty *p = unit_spec_add(u, name, 't');
        if (!p)
                return -ENOMEM;
        p->value.t = v;
        return 1;
}

static int add_i32(UnitSpec *u, const char *name, int32_t v) {
        UnitProperty *p = unit_spec_add(u, name, 'i');
        if (!p)
                return -ENOMEM;
        p->value.i = v;
        return 1;
}

static int add_strv(UnitSpec *u, const char *name, char ***l) {
        UnitProperty *p = unit_spec_add(u, name, 'S');
        if (!p)
                return -ENOMEM;
        p->value.strv = TAKE_PTR(*l);
        return 1;
}

/* ---------------------------------------------------------------------------------------------- */
/* the mapping table */

typedef enum RowScope {
        ROW_SLICE,
        ROW_CONTAINER,
} RowScope;

typedef struct TranslateState {
        json_object *pod;
        json_object *container; /* NULL for the slice */
        const TranslateContext *ctx;
        const UnitPlan *plan;
        const char *container_name;
        char *reason, *message;   /* set by a generator returning -EPROTO */
} TranslateState;

typedef int (*row_gen_t)(TranslateState *s, UnitSpec *u, const char *prop);

typedef struct TranslateRow {
        RowScope scope;
        const char *field;      /* pod field read (documentation) */
        const char *property;   /* D-Bus property name */
        char type;
        row_gen_t gen;
        const char *note;       /* documentation */
} TranslateRow;

static int state_fail(TranslateState *s, const char *reason, const char *fmt, ...) _printf_(3, 4);
static int state_fail(TranslateState *s, const char *reason, const char *fmt, ...) {
        va_list ap;
        free(s->reason);
        free(s->message);
        s->reason = strdup(reason);
        va_start(ap, fmt);
        if (vasprintf(&s->message, fmt, ap) < 0)
                s->message = NULL;
        va_end(ap);
        if (!s->reason || !s->message)
                return -ENOMEM;
        return -EPROTO;
}

static bool image_is_host(const char *image) {
        const char *r = image ? startswith(image, KSHIM_HOST_IMAGE) : NULL;
        return r && (*r == 0 || *r == ':' || *r == '@');
}

static int gen_image(TranslateState *s, UnitSpec *u, const char *prop) {
        const char *image = json_get_string(s->container, "image");
        if (isempty(image))
                return state_fail(s, "InvalidImageName", "container '%s' has no image", s->container_name);
        if (!image_is_host(image))
                return state_fail(s, "ErrImagePull",
                                  "image '%s': image store not implemented yet (only " KSHIM_HOST_IMAGE
                                  " runs, the host's root filesystem read-only)", image);
        return 0;
}

static int gen_description(TranslateState *s, UnitSpec *u, const char *prop) {
        _cleanup_free_ char *d = NULL;
        if (asprintf(&d, "kshim pod %s/%s container %s (uid %s)", s->plan->ns, s->plan->pod,
                     s->container_name ? s->container_name : "-", s->plan->uid) < 0)
                return -ENOMEM;
        return add_string(u, prop, d);
}

static int gen_const_string(TranslateState *s, UnitSpec *u, const char *prop) {
        /* constants keyed by property name, so the table stays one line per row */
        static const struct { const char *p, *v; } c[] = {
                { "Type", "exec" },
                { "KillMode", "mixed" },
                { "StandardOutput", "journal" },
                { "StandardError", "journal" },
                { "CollectMode", "inactive-or-failed" },
                { "ProtectSystem", "strict" },
        };
        for (size_t i = 0; i < ELEMENTSOF(c); i++)
                if (streq(c[i].p, prop))
                        return add_string(u, prop, c[i].v);
        return -EINVAL;
}

static int gen_slice(TranslateState *s, UnitSpec *u, const char *prop) {
        return add_string(u, prop, s->plan->slice.name);
}

static int gen_syslog_identifier(TranslateState *s, UnitSpec *u, const char *prop) {
        return add_string(u, prop, s->container_name);
}

static int gen_kill_signal(TranslateState *s, UnitSpec *u, const char *prop) {
        return add_i32(u, prop, 15 /* SIGTERM */);
}

static int gen_true(TranslateState *s, UnitSpec *u, const char *prop) {
        return add_bool(u, prop, true);
}

static int gen_zero(TranslateState *s, UnitSpec *u, const char *prop) {
        return add_u64(u, prop, 0);
}

static int gen_private_tmp(TranslateState *s, UnitSpec *u, const char *prop) {
        return add_bool(u, prop, true);
}

static int json_strv(json_object *a, const char *what, TranslateState *s, char ***l) {
        if (!a)
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return state_fail(s, "CreateContainerConfigError", "%s of container '%s' is not a list", what,
                                  s->container_name);
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string))
                        return state_fail(s, "CreateContainerConfigError", "%s of container '%s' holds a non-string",
                                          what, s->container_name);
                if (strv_extend(l, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* ---- kubelet's $(VAR) expansion (k8s.io/kubernetes third_party/forked/golang/expansion) ----
 * $(NAME) → value of NAME if defined (last definition wins), else left as is; $$ → $; "$(" without ")"
 * and any other "$x" are kept literally. env holds "NAME=value" entries; only the first n are visible. */
static const char *env_lookup(char * const *env, size_t n, const char *name, size_t len) {
        const char *found = NULL;
        for (size_t i = 0; i < n && env && env[i]; i++)
                if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
                        found = env[i] + len + 1;
        return found;
}

static char *expand_vars(const char *in, char * const *env, size_t n) {
        char *out = NULL;
        size_t sz = 0;
        FILE *f = open_memstream(&out, &sz);
        if (!f)
                return NULL;
        for (const char *p = in; *p; p++) {
                if (p[0] != '$' || p[1] == 0) {
                        fputc(*p, f);
                        continue;
                }
                if (p[1] == '$') {
                        fputc('$', f);
                        p++;
                        continue;
                }
                if (p[1] == '(') {
                        const char *close = strchr(p + 2, ')');
                        if (close) {
                                const char *v = env_lookup(env, n, p + 2, close - (p + 2));
                                if (v)
                                        fputs(v, f);
                                else
                                        fwrite(p, 1, close - p + 1, f);
                                p = close;
                                continue;
                        }
                }
                fputc('$', f);
        }
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

/* The container's env as "NAME=value" (values expanded against the entries before them). */
static int user_env(TranslateState *s, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        json_object *list = json_get(s->container, "env");
        size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(list, i);
                const char *name = json_get_string(e, "name");
                if (isempty(name) || strchr(name, '='))
                        return state_fail(s, "CreateContainerConfigError", "container '%s': invalid env name",
                                          s->container_name);
                if (json_get(e, "valueFrom"))
                        return state_fail(s, "CreateContainerConfigError",
                                          "container '%s': env '%s': valueFrom is not supported yet",
                                          s->container_name, name);
                _cleanup_free_ char *v = expand_vars(strempty(json_get_string(e, "value")), env, i);
                if (!v || strv_extendf(&env, "%s=%s", name, v) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

static int gen_exec_start(TranslateState *s, UnitSpec *u, const char *prop) {
        _cleanup_(strv_freep) char **argv = NULL;
        json_object *cmd = json_get(s->container, "command");
        int r;

        /* kubelet: command replaces the image ENTRYPOINT, args the CMD. The host image has neither, so a
         * container without command cannot run (its args alone would need an entrypoint). */
        r = json_strv(cmd, "command", s, &argv);
        if (r < 0)
                return r;
        if (strv_length(argv) == 0)
                return state_fail(s, "CreateContainerConfigError",
                                  "container '%s' has no command: image " KSHIM_HOST_IMAGE
                                  " has no default entrypoint", s->container_name);
        r = json_strv(json_get(s->container, "args"), "args", s, &argv);
        if (r < 0)
                return r;
        /* kubelet expands $(VAR) in command and args from the container's env */
        _cleanup_strv_free_ char **env = NULL;
        r = user_env(s, &env);
        if (r < 0)
                return r;
        for (char **a = argv; *a; a++) {
                char *x = expand_vars(*a, env, strv_length(env));
                if (!x)
                        return -ENOMEM;
                free(*a);
                *a = x;
        }
        if (isempty(argv[0]))
                return state_fail(s, "CreateContainerConfigError", "container '%s' has an empty command",
                                  s->container_name);

        char *path = strdup(argv[0]);
        if (!path)
                return -ENOMEM;
        UnitProperty *p = unit_spec_add(u, prop, 'E');
        if (!p) {
                free(path);
                return -ENOMEM;
        }
        p->value.exec = (UnitExec) { .path = path, .argv = TAKE_PTR(argv), .no_env_expand = true };
        return 1;
}

static int gen_environment(TranslateState *s, UnitSpec *u, const char *prop) {
        _cleanup_(strv_freep) char **env = NULL;
        const char *hostname = json_get_string(s->pod, "spec.hostname");

        if (strv_extendf(&env, "PATH=%s", DEFAULT_PATH) < 0 ||
            strv_extendf(&env, "HOSTNAME=%s", hostname ? hostname : s->plan->pod) < 0 ||
            strv_extendf(&env, "KSHIM_POD_NAMESPACE=%s", s->plan->ns) < 0 ||
            strv_extendf(&env, "KSHIM_POD_NAME=%s", s->plan->pod) < 0 ||
            strv_extendf(&env, "KSHIM_POD_UID=%s", s->plan->uid) < 0 ||
            strv_extendf(&env, "KSHIM_CONTAINER_NAME=%s", s->container_name) < 0)
                return -ENOMEM;

        _cleanup_strv_free_ char **user = NULL;
        int r = user_env(s, &user);
        if (r < 0)
                return r;
        for (char **e = user; e && *e; e++)
                if (strv_extend(&env, *e) < 0)
                        return -ENOMEM;
        return add_strv(u, prop, &env);
}

static int gen_working_directory(TranslateState *s, UnitSpec *u, const char *prop) {
        const char *w = json_get_string(s->container, "workingDir");
        if (isempty(w))
                return 0;
        if (w[0] != '/')
                return state_fail(s, "CreateContainerConfigError", "container '%s': workingDir '%s' is not absolute",
                                  s->container_name, w);
        return add_string(u, prop, w);
}

static int gen_restart(TranslateState *s, UnitSpec *u, const char *prop) {
        static const struct { const char *policy, *restart; } m[] = {
                { "Always", "always" },
                { "OnFailure", "on-failure" },
                { "Never", "no" },
        };
        for (size_t i = 0; i < ELEMENTSOF(m); i++)
                if (streq(m[i].policy, s->plan->restart_policy))
                        return add_string(u, prop, m[i].restart);
        return -EINVAL; /* checked in translate_pod() */
}

static int gen_restart_usec(TranslateState *s, UnitSpec *u, const char *prop) {
        return add_u64(u, prop, 1000000);
}

static int gen_timeout_stop(TranslateState *s, UnitSpec *u, const char *prop) {
        int64_t g = json_get_int(s->pod, "spec.terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_SEC);
        if (g < 0)
                g = DEFAULT_TERMINATION_GRACE_SEC;
        /* a zero grace period means "kill at once"; systemd's 0 would mean "no timeout" */
        return add_u64(u, prop, g == 0 ? 1 : (uint64_t) g * 1000000);
}

static int gen_memory_max(TranslateState *s, UnitSpec *u, const char *prop) {
        const char *lim = resource_string(s->container, "limits", "memory");
        uint64_t b;
        if (!lim)
                return 0;
        if (k8s_quantity_parse_bytes(lim, &b) < 0)
                return state_fail(s, "CreateContainerConfigError", "container '%s': bad memory limit '%s'",
                                  s->container_name, lim);
        return add_u64(u, prop, b);
}

static int gen_cpu_quota(TranslateState *s, UnitSpec *u, const char *prop) {
        const char *lim = resource_string(s->container, "limits", "cpu");
        int64_t m;
        if (!lim)
                return 0;
        if (k8s_quantity_parse(lim, &m) < 0 || m <= 0)
                return state_fail(s, "CreateContainerConfigError", "container '%s': bad cpu limit '%s'",
                                  s->container_name, lim);
        /* kubelet: quota = milli * period / 1000; per second: milli * 1000 µs, at least 1 ms */
        return add_u64(u, prop, MAX((uint64_t) m * 1000, (uint64_t) 1000));
}

/* kubelet: shares = milli*1024/1000, clamped to [2, 262144]; 0 = no request */
static int cpu_shares(TranslateState *s, uint64_t *ret) {
        const char *req = resource_string(s->container, "requests", "cpu");
        int64_t m;
        if (!req)
                req = resource_string(s->container, "limits", "cpu"); /* request defaults to the limit */
        if (!req)
                return 0;
        if (k8s_quantity_parse(req, &m) < 0 || m < 0)
                return state_fail(s, "CreateContainerConfigError", "container '%s': bad cpu request '%s'",
                                  s->container_name, req);
        *ret = MIN(MAX((uint64_t) m * 1024 / 1000, (uint64_t) 2), (uint64_t) 262144);
        return 1;
}

static int gen_cpu_weight(TranslateState *s, UnitSpec *u, const char *prop) {
        uint64_t shares;
        int r;
        if (s->ctx && s->ctx->cgroup_v1)
                return 0;
        r = cpu_shares(s, &shares);
        if (r <= 0)
                return r;
        /* kubelet's cgroup v2 conversion */
        return add_u64(u, prop, 1 + (shares - 2) * 9999 / 262142);
}

static int gen_cpu_shares(TranslateState *s, UnitSpec *u, const char *prop) {
        uint64_t shares;
        int r;
        if (!s->ctx || !s->ctx->cgroup_v1)
                return 0;
        r = cpu_shares(s, &shares);
        if (r <= 0)
                return r;
        return add_u64(u, prop, shares);
}

static const TranslateRow translate_rows[] = {
        /* scope, pod field, property, type, generator, note */
        { ROW_CONTAINER, "spec.containers[].image", "-", '-', gen_image,
          "only " KSHIM_HOST_IMAGE "[:tag] runs; others wait with ErrImagePull" },
        { ROW_SLICE, "metadata.namespace/name/uid", "Description", 's', gen_description,
          "`kshim pod <ns>/<pod> container - (uid <uid>)`" },
        { ROW_CONTAINER, "metadata.namespace/name/uid, container name", "Description", 's', gen_description,
          "`kshim pod <ns>/<pod> container <ctr> (uid <uid>)`" },
        { ROW_CONTAINER, "-", "Type", 's', gen_const_string, "exec: started once execve() succeeded" },
        { ROW_CONTAINER, "spec.containers[].command + args", "ExecStartEx", 'E', gen_exec_start,
          "command[0] is the binary (systemd searches its default PATH for bare names); $(VAR) expanded from "
          "env as kubelet does; flag no-env-expand "
          "(':' prefix: systemd must not expand $VAR); no command: CreateContainerConfigError (the host "
          "image has no entrypoint)" },
        { ROW_CONTAINER, "spec.containers[].env[].value, spec.hostname", "Environment", 'S', gen_environment,
          "PATH default, HOSTNAME, KSHIM_POD_NAMESPACE/NAME/UID, KSHIM_CONTAINER_NAME, then env (value only, "
          "$(VAR) expanded from earlier entries as kubelet does)" },
        { ROW_CONTAINER, "spec.containers[].workingDir", "WorkingDirectory", 's', gen_working_directory,
          "only when set" },
        { ROW_CONTAINER, "(pod slice)", "Slice", 's', gen_slice, "the pod slice" },
        { ROW_CONTAINER, "spec.restartPolicy", "Restart", 's', gen_restart,
          "Always→always, OnFailure→on-failure, Never→no (skeleton; the agent's back-off replaces this)" },
        { ROW_CONTAINER, "-", "RestartUSec", 't', gen_restart_usec, "1 s" },
        { ROW_CONTAINER, "-", "KillMode", 's', gen_const_string, "mixed: SIGTERM to the main process, SIGKILL to all" },
        { ROW_CONTAINER, "-", "KillSignal", 'i', gen_kill_signal, "SIGTERM" },
        { ROW_CONTAINER, "spec.terminationGracePeriodSeconds", "TimeoutStopUSec", 't', gen_timeout_stop,
          "default 30 s; 0 → 1 µs" },
        { ROW_CONTAINER, "-", "StandardOutput", 's', gen_const_string, "journal" },
        { ROW_CONTAINER, "-", "StandardError", 's', gen_const_string, "journal" },
        { ROW_CONTAINER, "spec.containers[].name", "SyslogIdentifier", 's', gen_syslog_identifier,
          "container name" },
        { ROW_CONTAINER, "-", "CollectMode", 's', gen_const_string,
          "inactive-or-failed: the unit vanishes once stopped and unreferenced" },
        { ROW_CONTAINER, "-", "AddRef", 'b', gen_true,
          "the agent's bus connection holds a reference, so the exit status survives until reported; "
          "the agent drops it (Unit.Unref) when the pod is deleted" },
        { ROW_CONTAINER, "-", "StartLimitIntervalUSec", 't', gen_zero,
          "0: no start rate limit (kubelet never gives up on a container)" },
        { ROW_CONTAINER, "image " KSHIM_HOST_IMAGE, "ProtectSystem", 's', gen_const_string,
          "strict: host root read-only" },
        { ROW_CONTAINER, "image " KSHIM_HOST_IMAGE, "PrivateTmp", 'b', gen_private_tmp, "yes" },
        { ROW_CONTAINER, "resources.limits.memory", "MemoryMax", 't', gen_memory_max,
          "bytes; systemd 252 writes memory.limit_in_bytes on cgroup v1" },
        { ROW_CONTAINER, "resources.limits.cpu", "CPUQuotaPerSecUSec", 't', gen_cpu_quota, "milli-CPU × 1000 µs" },
        { ROW_CONTAINER, "resources.requests.cpu (or limits.cpu)", "CPUWeight", 't', gen_cpu_weight,
          "cgroup v2: kubelet's shares → weight conversion" },
        { ROW_CONTAINER, "resources.requests.cpu (or limits.cpu)", "CPUShares", 't', gen_cpu_shares,
          "cgroup v1: milli-CPU × 1024 / 1000 (as kubelet)" },
};

int translate_rows_to_markdown(FILE *f) {
        fputs("| unit | pod field | property | D-Bus type | notes |\n|---|---|---|---|---|\n", f);
        for (size_t i = 0; i < ELEMENTSOF(translate_rows); i++) {
                const TranslateRow *r = &translate_rows[i];
                fprintf(f, "| %s | %s | %s | %c | %s |\n", r->scope == ROW_SLICE ? "pod slice" : "container service",
                        r->field, r->property, r->type, r->note);
        }
        return ferror(f) ? -EIO : 0;
}

static int run_rows(TranslateState *s, RowScope scope, UnitSpec *u) {
        for (size_t i = 0; i < ELEMENTSOF(translate_rows); i++) {
                const TranslateRow *row = &translate_rows[i];
                if (row->scope != scope)
                        continue;
                int r = row->gen(s, u, row->property);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------------- */

static int fail(char **ret_error, int r, const char *msg) {
        if (ret_error)
                *ret_error = strdup(msg);
        return r;
}

int translate_pod(json_object *pod, const TranslateContext *ctx, UnitPlan **ret, char **ret_error) {
        _cleanup_(unit_plan_freep) UnitPlan *p = NULL;
        const char *ns, *name, *uid, *rp;
        json_object *containers;
        int r;

        if (!pod || !ret)
                return -EINVAL;
        ns = json_get_string(pod, "metadata.namespace");
        name = json_get_string(pod, "metadata.name");
        uid = json_get_string(pod, "metadata.uid");
        if (isempty(name) || isempty(uid))
                return fail(ret_error, -EINVAL, "pod has no metadata.name or metadata.uid");
        if (isempty(ns))
                ns = "default";
        if (strchr(ns, '_') || strchr(name, '_') || strchr(uid, '_') || strchr(uid, '.'))
                return fail(ret_error, -EINVAL, "pod namespace, name or uid contains a character units cannot carry");
        containers = json_get(pod, "spec.containers");
        if (!json_object_is_type(containers, json_type_array) || json_object_array_length(containers) == 0)
                return fail(ret_error, -EINVAL, "pod has no spec.containers");
        rp = json_get_string(pod, "spec.restartPolicy");
        if (!rp)
                rp = "Always";
        if (!streq(rp, "Always") && !streq(rp, "OnFailure") && !streq(rp, "Never"))
                return fail(ret_error, -EINVAL, "unknown spec.restartPolicy");

        p = calloc(1, sizeof(UnitPlan));
        if (!p)
                return -ENOMEM;
        QosClass q = pod_qos_class(pod);
        p->ns = strdup(ns);
        p->pod = strdup(name);
        p->uid = strdup(uid);
        p->restart_policy = strdup(rp);
        p->qos_class = strdup(qos_class_to_string(q));
        p->slice.name = pod_slice_name(q, uid);
        if (!p->ns || !p->pod || !p->uid || !p->restart_policy || !p->qos_class || !p->slice.name)
                return -ENOMEM;

        TranslateState s = { .pod = pod, .ctx = ctx, .plan = p };
        r = run_rows(&s, ROW_SLICE, &p->slice);
        if (r < 0)
                return r == -EPROTO ? fail(ret_error, -EINVAL, strempty(s.message)) : r;

        size_t n = json_object_array_length(containers);
        p->containers = calloc(n, sizeof(UnitSpec));
        if (!p->containers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(containers, i);
                const char *cname = json_get_string(c, "name");
                UnitSpec *u = &p->containers[p->n_containers];

                if (isempty(cname) || strchr(cname, '_'))
                        return fail(ret_error, -EINVAL, "container without a valid name");
                for (size_t j = 0; j < p->n_containers; j++)
                        if (streq(p->containers[j].container, cname))
                                return fail(ret_error, -EINVAL, "duplicate container name");
                p->n_containers++;
                u->container = strdup(cname);
                u->image = strdup(strempty(json_get_string(c, "image")));
                if (!u->container || !u->image)
                        return -ENOMEM;
                r = container_unit_name(ns, name, uid, cname, &u->name);
                if (r < 0)
                        return fail(ret_error, r, "container unit name too long");

                s = (TranslateState) { .pod = pod, .container = c, .ctx = ctx, .plan = p, .container_name = cname };
                r = run_rows(&s, ROW_CONTAINER, u);
                if (r == -EPROTO) {
                        /* not startable: keep the name, drop the half-built properties */
                        for (size_t k = 0; k < u->n_props; k++)
                                unit_property_done(&u->props[k]);
                        u->props = mfree(u->props);
                        u->n_props = 0;
                        u->waiting_reason = TAKE_PTR(s.reason);
                        u->waiting_message = TAKE_PTR(s.message);
                } else if (r < 0) {
                        free(s.reason);
                        free(s.message);
                        return r;
                }
        }

        *ret = TAKE_PTR(p);
        return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* text dump */

static void fput_quoted(const char *s, FILE *f) {
        bool plain = *s != 0;
        for (const char *c = s; *c; c++)
                if (strchr(" \t\"'\\;$", *c) || (unsigned char) *c < ' ')
                        plain = false;
        if (plain) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        for (const char *c = s; *c; c++) {
                if (*c == '"' || *c == '\\')
                        fputc('\\', f);
                if ((unsigned char) *c < ' ')
                        fprintf(f, "\\x%02x", (unsigned char) *c);
                else
                        fputc(*c, f);
        }
        fputc('"', f);
}

static bool property_in_unit_section(const char *name) {
        return streq(name, "Description") || streq(name, "CollectMode") || streq(name, "AddRef") ||
               streq(name, "StartLimitIntervalUSec");
}

static void property_to_text(const UnitProperty *p, FILE *f) {
        fprintf(f, "%s=", p->name);
        switch (p->type) {
        case 's':
                fputs(p->value.s, f);
                break;
        case 'b':
                fputs(p->value.b ? "yes" : "no", f);
                break;
        case 't':
                fprintf(f, "%" PRIu64, p->value.t);
                break;
        case 'u':
                fprintf(f, "%" PRIu32, p->value.u);
                break;
        case 'i':
                fprintf(f, "%" PRIi32, p->value.i);
                break;
        case 'x':
                fprintf(f, "%" PRIi64, p->value.x);
                break;
        case 'S':
                for (char **i = p->value.strv; i && *i; i++) {
                        if (i != p->value.strv)
                                fputc(' ', f);
                        fput_quoted(*i, f);
                }
                break;
        case 'E':
                if (p->value.exec.ignore_failure)
                        fputc('-', f);
                if (p->value.exec.no_env_expand)
                        fputc(':', f);
                if (!p->value.exec.argv || !p->value.exec.argv[0] || !streq(p->value.exec.argv[0], p->value.exec.path)) {
                        fputc('@', f);
                        fput_quoted(p->value.exec.path, f);
                        fputc(' ', f);
                }
                for (char **i = p->value.exec.argv; i && *i; i++) {
                        if (i != p->value.exec.argv)
                                fputc(' ', f);
                        fput_quoted(*i, f);
                }
                break;
        default:
                fputs("?", f);
        }
        fputc('\n', f);
}

static void unit_spec_to_text(const UnitSpec *u, const char *section, FILE *f) {
        fprintf(f, "# %s\n", u->name);
        if (u->waiting_reason) {
                fprintf(f, "# not started: %s: %s\n\n", u->waiting_reason, strempty(u->waiting_message));
                return;
        }
        fputs("[Unit]\n", f);
        for (size_t i = 0; i < u->n_props; i++)
                if (property_in_unit_section(u->props[i].name))
                        property_to_text(&u->props[i], f);
        fprintf(f, "\n[%s]\n", section);
        for (size_t i = 0; i < u->n_props; i++)
                if (!property_in_unit_section(u->props[i].name))
                        property_to_text(&u->props[i], f);
        fputc('\n', f);
}

int unit_plan_to_text(const UnitPlan *p, FILE *f) {
        fprintf(f, "# pod %s/%s uid %s qosClass %s restartPolicy %s\n\n", p->ns, p->pod, p->uid, p->qos_class,
                p->restart_policy);
        unit_spec_to_text(&p->slice, "Slice", f);
        for (size_t i = 0; i < p->n_containers; i++)
                unit_spec_to_text(&p->containers[i], "Service", f);
        return ferror(f) ? -EIO : 0;
}
