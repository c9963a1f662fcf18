/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Request routing and content negotiation.
 *
 * Paths:
 *   /healthz /livez /readyz (+/<check>, ?verbose)      plain-text health
 *   /version, /api, /apis[...], /openapi/...           discovery.c
 *   /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]]        resources (core)
 *   /apis/G/V/[namespaces/NS/]PLURAL[/NAME[/SUB]]      resources (groups)
 *   /api/v1/namespaces/NAME[/SUB]                      the Namespace object itself
 * Anything else: 404 Status "the server could not find the requested resource".
 */

#include <errno.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "apiserver.h"
#include "log.h"
#include "macro.h"
#include "status.h"
#include "util.h"

/* ---- negotiation ---- */

typedef struct MediaRange {
        char type[128];
        char g[64], v[32], as[64];
} MediaRange;

static const char *skip_ws(const char *p) {
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

/* Parse one media range ending at ',' or NUL; returns the position after it. */
static const char *media_range_parse(const char *p, MediaRange *m) {
        size_t n = 0;

        *m = (MediaRange) {};
        p = skip_ws(p);
        while (*p && *p != ',' && *p != ';' && *p != ' ') {
                if (n < sizeof m->type - 1)
                        m->type[n++] = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                p++;
        }
        m->type[n] = 0;
        while (*p && *p != ',') {
                char key[32] = "", val[128] = "";
                size_t kl = 0, vl = 0;

                p = skip_ws(p);
                if (*p == ';')
                        p = skip_ws(p + 1);
                while (*p && *p != '=' && *p != ';' && *p != ',' && *p != ' ') {
                        if (kl < sizeof key - 1)
                                key[kl++] = *p;
                        p++;
                }
                key[kl] = 0;
                p = skip_ws(p);
                if (*p == '=') {
                        p = skip_ws(p + 1);
                        while (*p && *p != ';' && *p != ',' && *p != ' ') {
                                if (*p != '"' && vl < sizeof val - 1)
                                        val[vl++] = *p;
                                p++;
                        }
                        val[vl] = 0;
                }
                if (streq(key, "g"))
                        snprintf(m->g, sizeof m->g, "%s", val);
                else if (streq(key, "v"))
                        snprintf(m->v, sizeof m->v, "%s", val);
                else if (streq(key, "as"))
                        snprintf(m->as, sizeof m->as, "%s", val);
                p = skip_ws(p);
                if (*p && *p != ';' && *p != ',')
                        p++; /* junk */
        }
        return *p == ',' ? p + 1 : p;
}

OutputKind negotiate_output(const char *accept) {
        const char *p = accept;

        if (isempty(accept))
                return OUTPUT_JSON;
        while (*p) {
                MediaRange m;
                p = media_range_parse(p, &m);
                if (streq(m.type, "application/json") && streq(m.as, "Table") && streq(m.g, "meta.k8s.io")) {
                        if (streq(m.v, "v1"))
                                return OUTPUT_TABLE_V1;
                        if (streq(m.v, "v1beta1"))
                                return OUTPUT_TABLE_V1BETA1;
                        continue;
                }
                if (m.as[0])
                        continue; /* some other conversion we do not serve */
                if (streq(m.type, "application/json") || streq(m.type, "*/*") || streq(m.type, "application/*"))
                        return OUTPUT_JSON;
        }
        return OUTPUT_JSON; /* protobuf-only clients decode JSON by Content-Type too */
}

DiscoveryKind negotiate_discovery(const char *accept) {
        const char *p = accept;

        if (isempty(accept))
                return DISCOVERY_LEGACY;
        while (*p) {
                MediaRange m;
                p = media_range_parse(p, &m);
                if (streq(m.type, "application/json") && streq(m.g, "apidiscovery.k8s.io") &&
                    streq(m.as, "APIGroupDiscoveryList")) {
                        if (streq(m.v, "v2"))
                                return DISCOVERY_V2;
                        if (streq(m.v, "v2beta1"))
                                return DISCOVERY_V2BETA1;
                        continue;
                }
                if (!m.as[0] && (streq(m.type, "application/json") || streq(m.type, "*/*")))
                        return DISCOVERY_LEGACY;
        }
        return DISCOVERY_LEGACY;
}

/* ---- replies ---- */

int reply_status(HttpRequest *r, json_object *st) {
        int code, k;

        if (!st)
                return http_reply(r, 500, "text/plain", NULL, "out of memory", 13);
        code = k8s_status_code(st);
        k = http_reply_json(r, code, st, NULL);
        json_object_put(st);
        return k;
}

int reply_object(ApiRequest *a, int code, json_object *obj) {
        if (!a->http)
                return 0;
        if (a->sub == SUB_SCALE && json_object_is_type(obj, json_type_object) &&
            !streq_ptr(json_get_string(obj, "kind"), "Status")) {
                _cleanup_(json_object_putp) json_object *scale = scale_from_object(a->type, obj);
                if (!scale)
                        return -ENOMEM;
                return http_reply_json(a->http, code, scale, NULL);
        }
        if (a->output != OUTPUT_JSON && !a->dry_run && json_object_is_type(obj, json_type_object) &&
            !streq_ptr(json_get_string(obj, "kind"), "Status")) {
                _cleanup_(json_object_putp) json_object *table =
                        table_new(a->type, a->output, true, json_get_string(obj, "metadata.resourceVersion"));
                if (!table)
                        return -ENOMEM;
                table_add_row(table, a->type, obj, a->include, (uint64_t) time(NULL) * 1000000ULL);
                return http_reply_json(a->http, code, table, NULL);
        }
        return http_reply_json(a->http, code, obj, NULL);
}

ApiRequest *api_request_free(ApiRequest *a) {
        if (!a)
                return NULL;
        free(a->namespace);
        free(a->name);
        free(a->key);
        json_object_put(a->obj);
        json_object_put(a->deleted);
        free(a);
        return NULL;
}

/* ---- health ---- */

static int serve_health(HttpRequest *r, const char *path) {
        const char *which = path + 1;
        const char *verbose = http_request_query(r, "verbose");
        char buf[256];

        if (verbose) {
                const char *base = strchr(which, '/') ? "" : which;
                int n = snprintf(buf, sizeof buf, "[+]ping ok\n[+]log ok\n[+]etcd ok\n%s check passed\n",
                                 *base ? base : "healthz");
                return http_reply(r, 200, "text/plain; charset=utf-8", NULL, buf, (size_t) n);
        }
        return http_reply(r, 200, "text/plain; charset=utf-8", NULL, "ok", 2);
}

/* ---- resource routing ---- */

static int not_found(HttpRequest *r) {
        return reply_status(r, k8s_status_new(404, K8S_REASON_NOT_FOUND, "the server could not find the requested resource"));
}

/* Split path components into v (at most n), returns the count or -E2BIG. */
static int split_path(char *p, char **v, int n) {
        int k = 0;
        char *save = NULL;
        for (char *t = strtok_r(p, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
                if (k >= n)
                        return -E2BIG;
                v[k++] = t;
        }
        return k;
}

static int route_resource(Server *s, HttpRequest *r, const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_(api_request_freep) ApiRequest *a = NULL;
        char *c[8];
        const char *group, *version;
        int n, i;

        if (!copy)
                return -ENOMEM;
        n = split_path(copy, c, ELEMENTSOF(c));
        if (n < 0)
                return not_found(r);

        if (n >= 2 && streq(c[0], "api")) {
                group = "";
                version = c[1];
                i = 2;
        } else if (n >= 3 && streq(c[0], "apis")) {
                group = c[1];
                version = c[2];
                i = 3;
        } else
                return not_found(r);
        if (!group_version_served(group, version) || i >= n)
                return not_found(r);

        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        a->server = s;
        a->http = r;
        a->sub = _SUB_INVALID;

        /* namespaces/NS/PLURAL... unless it is the namespace object itself */
        if (streq(c[i], "namespaces") && n - i >= 3 && isempty(group)) {
                a->namespace = strdup(c[i + 1]);
                i += 2;
        } else if (streq(c[i], "namespaces") && n - i >= 3) {
                a->namespace = strdup(c[i + 1]);
                i += 2;
        }
        a->type = resource_type_find(group, version, c[i]);
        if (!a->type)
                return not_found(r);
        /* a namespace given for a cluster-scoped type: only /api/v1/namespaces/NAME/SUB matches that */
        if (a->namespace && !a->type->namespaced)
                return not_found(r);
        i++;
        if (i < n)
                a->name = strdup(c[i++]);
        if (i < n) {
                a->sub = subresource_from_string(c[i++]);
                if (a->sub < 0 || !(a->type->subresources & SUBF(a->sub)))
                        return not_found(r);
        }
        if (i < n)
                return not_found(r);

        /* /api/v1/namespaces/NAME/status: the Namespace "namespaces" type with name */
        a->output = negotiate_output(http_request_header(r, "Accept"));
        const char *inc = http_request_query(r, "includeObject");
        if (inc && streq(inc, "Object"))
                a->include = INCLUDE_OBJECT;
        else if (inc && streq(inc, "None"))
                a->include = INCLUDE_NONE;
        else if (inc && !isempty(inc) && !streq(inc, "Metadata"))
                return reply_status(r, k8s_status_bad_request("includeObject must be one of None, Metadata, Object"));

        return registry_handle(TAKE_PTR(a));
}

int server_handle(HttpRequest *r, void *userdata) {
        Server *s = userdata;
        const char *path = http_request_path(r);
        const char *method = http_request_method(r);

        log_debug("%s %s", method, path);

        if (streq(path, "/healthz") || streq(path, "/livez") || streq(path, "/readyz") ||
            startswith(path, "/healthz/") || startswith(path, "/livez/") || startswith(path, "/readyz/"))
                return serve_health(r, path);
        if (streq(path, "/version") || streq(path, "/version/"))
                return serve_version(r);
        if (startswith(path, "/openapi/"))
                return serve_openapi(r, path);
        if (streq(path, "/api") || streq(path, "/apis") || streq(path, "/api/v1") || streq(path, "/api/") ||
            streq(path, "/apis/")) {
                if (!streq(method, "GET"))
                        return reply_status(r, k8s_status_new(405, K8S_REASON_METHOD_NOT_ALLOWED, "the server does not allow this method on the requested resource"));
                char p[16];
                snprintf(p, sizeof p, "%s", path);
                if (p[strlen(p) - 1] == '/')
                        p[strlen(p) - 1] = 0;
                return serve_discovery(r, p);
        }
        if (startswith(path, "/apis/")) {
                /* /apis/G or /apis/G/V: discovery; deeper: resources */
                const char *rest = path + strlen("/apis/");
                const char *s1 = strchr(rest, '/');
                const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
                if (!s2 || s2[1] == 0) {
                        if (!streq(method, "GET"))
                                return reply_status(r, k8s_status_new(405, K8S_REASON_METHOD_NOT_ALLOWED, "the server does not allow this method on the requested resource"));
                        return serve_discovery(r, path);
                }
        }
        if (startswith(path, "/api/") || startswith(path, "/apis/"))
                return route_resource(s, r, path);
        return not_found(r);
}

/* ---- lifetime ---- */

int server_new(sd_event *e, Store *store, Server **ret) {
        _cleanup_(server_freep) Server *s = calloc(1, sizeof(Server));
        int r;

        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        s->store = store;
        s->watch_bookmark_usec = 60 * 1000000ULL;
        r = http_server_new(e, server_handle, s, &s->http);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

Server *server_free(Server *s) {
        if (!s)
                return NULL;
        http_server_free(s->http);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

int server_listen(Server *s, const char *address) {
        return http_server_listen(s->http, address);
}

static void bootstrap_done(Store *st, int r, uint64_t revision, StoreValue *value, void *userdata) {
        if (r < 0 && r != -EEXIST)
                log_warning_errno(r, "Failed to create namespace %s: %m", (const char *) userdata);
}

int server_bootstrap(Server *s) {
        static const char *const names[] = { "default", "kube-system", "kube-public", "kube-node-lease" };
        const ResourceType *t = resource_type_find("", "v1", "namespaces");

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *key = registry_key(t, NULL, names[i]);
                _cleanup_(store_value_unrefp) StoreValue *v = NULL;
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                char uid[37];
                int r;

                if (!key || !o)
                        return -ENOMEM;
                r = store_get(s->store, key, &v);
                if (r >= 0)
                        continue;
                if (r != -ENOENT)
                        return log_error_errno(r, "Failed to read %s: %m", key);

                r = k8s_new_uid(uid);
                if (r < 0)
                        return r;
                _cleanup_free_ char *ts = k8s_format_rfc3339((uint64_t) time(NULL) * 1000000ULL);
                json_object_object_add(o, "kind", json_object_new_string("Namespace"));
                json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
                json_set(o, "metadata.name", json_object_new_string(names[i]));
                json_set(o, "metadata.uid", json_object_new_string(uid));
                json_set(o, "metadata.creationTimestamp", json_object_new_string(strempty(ts)));
                _cleanup_free_ char *label = NULL;
                json_object *labels = json_object_new_object();
                json_object_object_add(labels, "kubernetes.io/metadata.name", json_object_new_string(names[i]));
                json_set(o, "metadata.labels", labels);
                json_set(o, "spec.finalizers", json_tokener_parse("[\"kubernetes\"]"));
                json_set(o, "status.phase", json_object_new_string("Active"));
                const char *data = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
                r = store_put(s->store, key, data, strlen(data), STORE_MUST_NOT_EXIST, bootstrap_done,
                              (void *) names[i]);
                if (r < 0 && r != -EEXIST)
                        return log_error_errno(r, "Failed to create namespace %s: %m", names[i]);
        }
        return 0;
}
