/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Discovery and OpenAPI, generated from the type table:
 *   /api, /apis            aggregated discovery (apidiscovery.k8s.io v2 or v2beta1, negotiated from Accept
 *                          exactly as client-wire.md §2.1 says) or the legacy APIVersions / APIGroupList
 *   /api/v1, /apis/G/V     APIResourceList (with subresources as "pods/status")
 *   /apis/G                APIGroup
 *   /version
 *   /openapi/v2            200, empty protobuf document (kubectl 1.27/1.28 need a 200; newer use v3)
 *   /openapi/v3            index of every served group-version, with ?hash=
 *   /openapi/v3/<gv>       minimal OpenAPI 3 document: one free-form schema per kind tagged
 *                          x-kubernetes-group-version-kind, and per resource a PATCH operation tagged with
 *                          the GVK that lists the fieldValidation parameter, so kubectl delegates field
 *                          validation to the server (cli-runtime QueryParamVerifierV3). The PATCH operations
 *                          deliberately list no strategic-merge request body: kubectl then computes
 *                          client-side apply patches from its compiled-in types (with the real merge keys)
 *                          instead of from these schemas, which carry none.
 */

#include <stdio.h>
#include <string.h>

#include "apiserver.h"
#include "kshim-config.h"
#include "macro.h"
#include "status.h"

#define VERSION_GIT "v1.32.0+kshim"

static const char *const verb_names[] = {
        "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
};

/* Verbs as a sorted string array, like upstream. */
static json_object *verbs_json(unsigned verbs) {
        static const char *const sorted[] = {
                "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
        };
        json_object *a = json_object_new_array();

        for (size_t i = 0; i < ELEMENTSOF(sorted); i++)
                for (size_t b = 0; b < ELEMENTSOF(verb_names); b++)
                        if ((verbs & (1u << b)) && streq(verb_names[b], sorted[i]))
                                json_object_array_add(a, json_object_new_string(sorted[i]));
        return a;
}

static json_object *strv_json(const char *const *v) {
        json_object *a = json_object_new_array();
        for (; v && *v; v++)
                json_object_array_add(a, json_object_new_string(*v));
        return a;
}

static json_object *gvk_json(const char *group, const char *version, const char *kind) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "group", json_object_new_string(group));
        json_object_object_add(o, "version", json_object_new_string(version));
        json_object_object_add(o, "kind", json_object_new_string(kind));
        return o;
}

static void sub_response_kind(const ResourceType *t, const Subresource *s, const char **g, const char **v,
                              const char **k) {
        *g = s->group ?: t->group;
        *v = s->version ?: t->version;
        *k = s->kind ?: t->kind;
}

static json_object *aggregated_resource(const ResourceType *t) {
        json_object *o = json_object_new_object(), *subs = json_object_new_array();

        json_object_object_add(o, "resource", json_object_new_string(t->plural));
        json_object_object_add(o, "responseKind", gvk_json(t->group, t->version, t->kind));
        json_object_object_add(o, "scope", json_object_new_string(t->namespaced ? "Namespaced" : "Cluster"));
        json_object_object_add(o, "singularResource", json_object_new_string(t->singular));
        json_object_object_add(o, "verbs", verbs_json(t->verbs));
        if (t->short_names)
                json_object_object_add(o, "shortNames", strv_json(t->short_names));
        if (t->categories)
                json_object_object_add(o, "categories", strv_json(t->categories));
        for (size_t i = 0; i < _SUB_MAX; i++) {
                const Subresource *s = subresource_table + i;
                const char *g, *v, *k;
                if (!(t->subresources & SUBF(i)))
                        continue;
                json_object *so = json_object_new_object();
                sub_response_kind(t, s, &g, &v, &k);
                json_object_object_add(so, "subresource", json_object_new_string(s->name));
                json_object_object_add(so, "responseKind", gvk_json(g, v, k));
                json_object_object_add(so, "verbs", verbs_json(s->verbs));
                json_object_array_add(subs, so);
        }
        if (json_object_array_length(subs) > 0)
                json_object_object_add(o, "subresources", subs);
        else
                json_object_put(subs);
        return o;
}

json_object *discovery_aggregated(bool core, DiscoveryKind kind) {
        json_object *list = json_object_new_object(), *items = json_object_new_array();

        json_object_object_add(list, "kind", json_object_new_string("APIGroupDiscoveryList"));
        json_object_object_add(list, "apiVersion",
                               json_object_new_string(kind == DISCOVERY_V2BETA1 ? "apidiscovery.k8s.io/v2beta1"
                                                                                : "apidiscovery.k8s.io/v2"));
        json_object_object_add(list, "metadata", json_object_new_object());

        for (size_t g = 0; g < n_group_versions; g++) {
                const GroupVersion *gv = group_versions + g;
                json_object *item, *versions, *ver, *res;

                if (core != isempty(gv->group))
                        continue;
                /* one item per group; versions in group_versions order (first = preferred) */
                bool seen = false;
                for (size_t p = 0; p < g; p++)
                        if (streq(group_versions[p].group, gv->group))
                                seen = true;
                if (seen)
                        continue;

                item = json_object_new_object();
                json_object *meta = json_object_new_object();
                json_object_object_add(meta, "name", json_object_new_string(gv->group));
                json_object_object_add(meta, "creationTimestamp", NULL);
                json_object_object_add(item, "metadata", meta);
                versions = json_object_new_array();
                for (size_t h = g; h < n_group_versions; h++) {
                        if (!streq(group_versions[h].group, gv->group))
                                continue;
                        ver = json_object_new_object();
                        res = json_object_new_array();
                        for (size_t i = 0; i < n_resource_types; i++)
                                if (streq(resource_types[i].group, gv->group) &&
                                    streq(resource_types[i].version, group_versions[h].version))
                                        json_object_array_add(res, aggregated_resource(resource_types + i));
                        json_object_object_add(ver, "version", json_object_new_string(group_versions[h].version));
                        json_object_object_add(ver, "resources", res);
                        json_object_object_add(ver, "freshness", json_object_new_string("Current"));
                        json_object_array_add(versions, ver);
                }
                json_object_object_add(item, "versions", versions);
                json_object_array_add(items, item);
        }
        json_object_object_add(list, "items", items);
        return list;
}

static int reply_json_typed(HttpRequest *r, int code, json_object *o, const char *content_type) {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        return http_reply(r, code, content_type, NULL, s, strlen(s));
}

static json_object *legacy_resource_list(const char *group, const char *version) {
        json_object *o = json_object_new_object(), *res = json_object_new_array();
        char gv[256];

        if (isempty(group))
                snprintf(gv, sizeof gv, "%s", version);
        else
                snprintf(gv, sizeof gv, "%s/%s", group, version);
        json_object_object_add(o, "kind", json_object_new_string("APIResourceList"));
        json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(o, "groupVersion", json_object_new_string(gv));

        for (size_t i = 0; i < n_resource_types; i++) {
                const ResourceType *t = resource_types + i;
                if (!streq(t->group, group) || !streq(t->version, version))
                        continue;
                json_object *e = json_object_new_object();
                json_object_object_add(e, "name", json_object_new_string(t->plural));
                json_object_object_add(e, "singularName", json_object_new_string(t->singular));
                json_object_object_add(e, "namespaced", json_object_new_boolean(t->namespaced));
                json_object_object_add(e, "kind", json_object_new_string(t->kind));
                json_object_object_add(e, "verbs", verbs_json(t->verbs));
                if (t->short_names)
                        json_object_object_add(e, "shortNames", strv_json(t->short_names));
                if (t->categories)
                        json_object_object_add(e, "categories", strv_json(t->categories));
                json_object_array_add(res, e);

                for (size_t s = 0; s < _SUB_MAX; s++) {
                        const Subresource *sr = subresource_table + s;
                        const char *g, *v, *k;
                        char name[256];
                        if (!(t->subresources & SUBF(s)))
                                continue;
                        sub_response_kind(t, sr, &g, &v, &k);
                        snprintf(name, sizeof name, "%s/%s", t->plural, sr->name);
                        json_object *se = json_object_new_object();
                        json_object_object_add(se, "name", json_object_new_string(name));
                        json_object_object_add(se, "singularName", json_object_new_string(""));
                        json_object_object_add(se, "namespaced", json_object_new_boolean(t->namespaced));
                        if (!streq(g, t->group) || !streq(v, t->version)) {
                                json_object_object_add(se, "group", json_object_new_string(g));
                                json_object_object_add(se, "version", json_object_new_string(v));
                        }
                        json_object_object_add(se, "kind", json_object_new_string(k));
                        json_object_object_add(se, "verbs", verbs_json(sr->verbs));
                        json_object_array_add(res, se);
                }
        }
        json_object_object_add(o, "resources", res);
        return o;
}

static json_object *api_group(const char *group) {
        json_object *g = json_object_new_object(), *versions = json_object_new_array();
        bool first = true;

        json_object_object_add(g, "name", json_object_new_string(group));
        for (size_t i = 0; i < n_group_versions; i++) {
                char gv[256];
                if (!streq(group_versions[i].group, group))
                        continue;
                snprintf(gv, sizeof gv, "%s/%s", group, group_versions[i].version);
                json_object *v = json_object_new_object();
                json_object_object_add(v, "groupVersion", json_object_new_string(gv));
                json_object_object_add(v, "version", json_object_new_string(group_versions[i].version));
                if (first) {
                        json_object *pv = NULL;
                        json_object_deep_copy(v, &pv, NULL);
                        json_object_object_add(g, "preferredVersion", pv);
                        first = false;
                }
                json_object_array_add(versions, v);
        }
        json_object_object_add(g, "versions", versions);
        return g;
}

int serve_discovery(HttpRequest *r, const char *path) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        DiscoveryKind kind;
        const char *p;

        if (streq(path, "/api") || streq(path, "/apis")) {
                bool core = streq(path, "/api");
                kind = negotiate_discovery(http_request_header(r, "Accept"));
                if (kind != DISCOVERY_LEGACY) {
                        o = discovery_aggregated(core, kind);
                        return reply_json_typed(
                                r, 200, o,
                                kind == DISCOVERY_V2
                                        ? "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
                                        : "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
                }
                o = json_object_new_object();
                if (core) {
                        json_object_object_add(o, "kind", json_object_new_string("APIVersions"));
                        json_object *v = json_object_new_array();
                        json_object_array_add(v, json_object_new_string("v1"));
                        json_object_object_add(o, "versions", v);
                        json_object *addrs = json_object_new_array(), *a = json_object_new_object();
                        json_object_object_add(a, "clientCIDR", json_object_new_string("0.0.0.0/0"));
                        json_object_object_add(a, "serverAddress",
                                               json_object_new_string(strempty(http_request_header(r, "Host"))));
                        json_object_array_add(addrs, a);
                        json_object_object_add(o, "serverAddressByClientCIDRs", addrs);
                } else {
                        json_object_object_add(o, "kind", json_object_new_string("APIGroupList"));
                        json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
                        json_object *groups = json_object_new_array();
                        for (size_t i = 0; i < n_group_versions; i++) {
                                bool seen = isempty(group_versions[i].group);
                                for (size_t j = 0; j < i && !seen; j++)
                                        seen = streq(group_versions[j].group, group_versions[i].group);
                                if (!seen)
                                        json_object_array_add(groups, api_group(group_versions[i].group));
                        }
                        json_object_object_add(o, "groups", groups);
                }
                return http_reply_json(r, 200, o, NULL);
        }
        if (streq(path, "/api/v1")) {
                o = legacy_resource_list("", "v1");
                return http_reply_json(r, 200, o, NULL);
        }
        if ((p = startswith(path, "/apis/"))) {
                char group[256];
                const char *slash = strchr(p, '/');
                size_t gl = slash ? (size_t) (slash - p) : strlen(p);

                if (gl == 0 || gl >= sizeof group)
                        goto not_found;
                memcpy(group, p, gl);
                group[gl] = 0;
                if (!slash) {
                        bool known = false;
                        for (size_t i = 0; i < n_group_versions; i++)
                                known = known || streq(group_versions[i].group, group);
                        if (!known)
                                goto not_found;
                        o = api_group(group);
                        json_object_object_add(o, "kind", json_object_new_string("APIGroup"));
                        json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
                        return http_reply_json(r, 200, o, NULL);
                }
                if (!group_version_served(group, slash + 1))
                        goto not_found;
                o = legacy_resource_list(group, slash + 1);
                return http_reply_json(r, 200, o, NULL);
        }
not_found:
        return reply_status(r, k8s_status_new(404, K8S_REASON_NOT_FOUND, "the server could not find the requested resource"));
}

int serve_version(HttpRequest *r) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        json_object_object_add(o, "major", json_object_new_string("1"));
        json_object_object_add(o, "minor", json_object_new_string("32"));
        json_object_object_add(o, "gitVersion", json_object_new_string(VERSION_GIT));
        json_object_object_add(o, "gitCommit", json_object_new_string("kshim-" KSHIM_VERSION));
        json_object_object_add(o, "gitTreeState", json_object_new_string("clean"));
        json_object_object_add(o, "buildDate", json_object_new_string("1970-01-01T00:00:00Z"));
        json_object_object_add(o, "goVersion", json_object_new_string("none (C)"));
        json_object_object_add(o, "compiler", json_object_new_string("gc"));
        json_object_object_add(o, "platform", json_object_new_string("linux/amd64"));
        return http_reply_json(r, 200, o, NULL);
}

/* ---- OpenAPI ---- */

static json_object *param(const char *name, const char *type) {
        json_object *p = json_object_new_object(), *s = json_object_new_object();
        json_object_object_add(p, "name", json_object_new_string(name));
        json_object_object_add(p, "in", json_object_new_string("query"));
        json_object_object_add(s, "type", json_object_new_string(type));
        if (streq(name, "dryRun") || streq(name, "fieldValidation"))
                json_object_object_add(s, "uniqueItems", json_object_new_boolean(true));
        json_object_object_add(p, "schema", s);
        return p;
}

static json_object *free_form(const char *type_name) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string(type_name));
        if (streq(type_name, "object"))
                json_object_object_add(o, "x-kubernetes-preserve-unknown-fields", json_object_new_boolean(true));
        return o;
}

static void schema_name(const ResourceType *t, const char *suffix, char *buf, size_t n) {
        snprintf(buf, n, "%s.%s%s", t->openapi_prefix, t->kind, suffix);
}

static json_object *openapi_gv_doc(const char *group, const char *version) {
        json_object *doc = json_object_new_object(), *paths = json_object_new_object(),
                    *schemas = json_object_new_object(), *info = json_object_new_object(),
                    *comps = json_object_new_object();

        json_object_object_add(doc, "openapi", json_object_new_string("3.0.0"));
        json_object_object_add(info, "title", json_object_new_string("Kubernetes"));
        json_object_object_add(info, "version", json_object_new_string(VERSION_GIT));
        json_object_object_add(doc, "info", info);

        for (size_t i = 0; i < n_resource_types; i++) {
                const ResourceType *t = resource_types + i;
                char sname[256], ref[300], path[512], prefix[256];

                if (!streq(t->group, group) || !streq(t->version, version))
                        continue;
                schema_name(t, "", sname, sizeof sname);
                snprintf(ref, sizeof ref, "#/components/schemas/%s", sname);

                json_object *schema = json_object_new_object(), *props = json_object_new_object(),
                            *gvks = json_object_new_array();
                json_object_object_add(schema, "description", json_object_new_string(t->kind));
                json_object_object_add(schema, "type", json_object_new_string("object"));
                json_object_object_add(props, "apiVersion", free_form("string"));
                json_object_object_add(props, "kind", free_form("string"));
                json_object_object_add(props, "metadata", free_form("object"));
                json_object_object_add(props, "spec", free_form("object"));
                json_object_object_add(props, "status", free_form("object"));
                json_object_object_add(schema, "properties", props);
                json_object_object_add(schema, "x-kubernetes-preserve-unknown-fields", json_object_new_boolean(true));
                json_object_array_add(gvks, gvk_json(t->group, t->version, t->kind));
                json_object_object_add(schema, "x-kubernetes-group-version-kind", gvks);
                json_object_object_add(schemas, sname, schema);

                if (isempty(group))
                        snprintf(prefix, sizeof prefix, "/api/%s", version);
                else
                        snprintf(prefix, sizeof prefix, "/apis/%s/%s", group, version);
                if (t->namespaced)
                        snprintf(path, sizeof path, "%s/namespaces/{namespace}/%s/{name}", prefix, t->plural);
                else
                        snprintf(path, sizeof path, "%s/%s/{name}", prefix, t->plural);

                json_object *item = json_object_new_object(), *op = json_object_new_object(),
                            *params = json_object_new_array(), *resp = json_object_new_object(),
                            *r200 = json_object_new_object(), *content = json_object_new_object(),
                            *mt = json_object_new_object(), *refo = json_object_new_object();
                json_object_object_add(refo, "$ref", json_object_new_string(ref));
                json_object_object_add(mt, "schema", refo);
                json_object_object_add(content, "application/json", mt);
                json_object_object_add(r200, "description", json_object_new_string("OK"));
                json_object_object_add(r200, "content", content);
                json_object_object_add(resp, "200", r200);

                json_object_object_add(op, "description", json_object_new_string("partially update the specified object"));
                json_object_array_add(params, param("dryRun", "string"));
                json_object_array_add(params, param("fieldManager", "string"));
                json_object_array_add(params, param("fieldValidation", "string"));
                json_object_array_add(params, param("force", "boolean"));
                json_object_object_add(op, "parameters", params);
                json_object_object_add(op, "responses", resp);
                json_object_object_add(op, "x-kubernetes-action", json_object_new_string("patch"));
                json_object_object_add(op, "x-kubernetes-group-version-kind", gvk_json(t->group, t->version, t->kind));
                json_object_object_add(item, "patch", op);
                json_object_object_add(paths, path, item);
        }
        json_object_object_add(doc, "paths", paths);
        json_object_object_add(comps, "schemas", schemas);
        json_object_object_add(doc, "components", comps);
        return doc;
}

static uint64_t fnv1a(const char *s) {
        uint64_t h = 1469598103934665603ULL;
        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 1099511628211ULL;
        }
        return h;
}

static void gv_hash(const char *group, const char *version, char buf[static 40]) {
        _cleanup_(json_object_putp) json_object *doc = openapi_gv_doc(group, version);
        uint64_t h = fnv1a(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
        snprintf(buf, 40, "%016llX%016llX", (unsigned long long) h, (unsigned long long) (h ^ 0x6b736869ULL));
}

int serve_openapi(HttpRequest *r, const char *path) {
        const char *p;

        if (streq(path, "/openapi/v2"))
                return http_reply(r, 200, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf", NULL, "", 0);
        if (streq(path, "/openapi/v3") || streq(path, "/openapi/v3/")) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object *paths = json_object_new_object();
                for (size_t i = 0; i < n_group_versions; i++) {
                        const GroupVersion *gv = group_versions + i;
                        char key[256], url[512], hash[40];
                        if (isempty(gv->group))
                                snprintf(key, sizeof key, "api/%s", gv->version);
                        else
                                snprintf(key, sizeof key, "apis/%s/%s", gv->group, gv->version);
                        gv_hash(gv->group, gv->version, hash);
                        snprintf(url, sizeof url, "/openapi/v3/%s?hash=%s", key, hash);
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "serverRelativeURL", json_object_new_string(url));
                        json_object_object_add(paths, key, e);
                }
                json_object_object_add(o, "paths", paths);
                return http_reply_json(r, 200, o, NULL);
        }
        if ((p = startswith(path, "/openapi/v3/"))) {
                char group[256] = "", version[64] = "";
                const char *q;
                if ((q = startswith(p, "api/")))
                        snprintf(version, sizeof version, "%s", q);
                else if ((q = startswith(p, "apis/"))) {
                        const char *slash = strchr(q, '/');
                        if (slash && (size_t) (slash - q) < sizeof group) {
                                memcpy(group, q, (size_t) (slash - q));
                                group[slash - q] = 0;
                                snprintf(version, sizeof version, "%s", slash + 1);
                        }
                }
                if (version[0] && group_version_served(group, version)) {
                        _cleanup_(json_object_putp) json_object *doc = openapi_gv_doc(group, version);
                        return http_reply_json(r, 200, doc, (const char *const[]) { "Cache-Control: no-cache, private", NULL });
                }
        }
        return reply_status(r, k8s_status_new(404, K8S_REASON_NOT_FOUND, "the server could not find the requested resource"));
}
