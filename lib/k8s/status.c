/* SPDX-License-Identifier: Apache-2.0 */

/*
 * metav1.Status objects with apimachinery's wording (k8s.io/apimachinery/pkg/api/errors). Keys are added in
 * the order Go's encoding/json emits them for metav1.Status, and empty fields are left out as the struct's
 * omitempty tags do, so our bodies look byte-for-byte like upstream's where that is cheap.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "status.h"

static int add_string(json_object *o, const char *key, const char *value) {
        json_object *v;

        if (isempty(value))
                return 0;
        v = json_object_new_string(value);
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

json_object *k8s_status_new(int code, const char *reason, const char *message) {
        _cleanup_(json_object_putp) json_object *st = json_object_new_object();
        json_object *meta, *c;

        if (!st)
                return NULL;
        if (add_string(st, "kind", "Status") < 0 || add_string(st, "apiVersion", "v1") < 0)
                return NULL;

        meta = json_object_new_object();
        if (!meta || json_object_object_add(st, "metadata", meta) < 0) {
                json_object_put(meta);
                return NULL;
        }

        if (add_string(st, "status", code >= 200 && code < 300 ? "Success" : "Failure") < 0 ||
            add_string(st, "message", message) < 0 || add_string(st, "reason", reason) < 0)
                return NULL;

        c = json_object_new_int(code);
        if (!c || json_object_object_add(st, "code", c) < 0) {
                json_object_put(c);
                return NULL;
        }
        return TAKE_PTR(st);
}

static json_object *status_newf(int code, const char *reason, const char *format, ...) _printf_(3, 4);
static json_object *status_newf(int code, const char *reason, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&msg, format, ap);
        va_end(ap);
        if (r < 0)
                return NULL;
        return k8s_status_new(code, reason, msg);
}

int k8s_status_code(json_object *st) {
        int64_t c = json_get_int(st, "code", 500);
        return c >= 100 && c <= 999 ? (int) c : 500;
}

/* Get or create "details", keeping Go's key order: details goes before code, so code is re-added after it. */
static json_object *status_details(json_object *st) {
        json_object *d, *code;

        if (!st)
                return NULL;
        if (json_object_object_get_ex(st, "details", &d))
                return d;

        d = json_object_new_object();
        if (!d)
                return NULL;
        if (json_object_object_add(st, "details", d) < 0) {
                json_object_put(d);
                return NULL;
        }
        if (json_object_object_get_ex(st, "code", &code)) {
                json_object_get(code);
                json_object_object_del(st, "code");
                (void) json_object_object_add(st, "code", code);
        }
        return d;
}

void k8s_status_set_details(json_object *st, const char *name, const char *group, const char *kind, const char *uid) {
        json_object *d = status_details(st);

        if (!d)
                return;
        /* metav1.StatusDetails: name, group, kind, uid, causes, retryAfterSeconds (all omitempty) */
        (void) add_string(d, "name", name);
        (void) add_string(d, "group", group);
        (void) add_string(d, "kind", kind);
        (void) add_string(d, "uid", uid);
}

json_object *k8s_cause_new(const char *reason, const char *message, const char *field) {
        json_object *c = json_object_new_object();

        if (!c)
                return NULL;
        if (add_string(c, "reason", reason) < 0 || add_string(c, "message", message) < 0 ||
            add_string(c, "field", field) < 0) {
                json_object_put(c);
                return NULL;
        }
        return c;
}

int k8s_causes_append(json_object *causes_array, const char *reason, const char *message, const char *field) {
        json_object *c;

        if (!causes_array || !json_object_is_type(causes_array, json_type_array))
                return -EINVAL;
        c = k8s_cause_new(reason, message, field);
        if (!c)
                return -ENOMEM;
        if (json_object_array_add(causes_array, c) < 0) {
                json_object_put(c);
                return -ENOMEM;
        }
        return 0;
}

static json_object *status_causes(json_object *st) {
        json_object *d = status_details(st), *causes;

        if (!d)
                return NULL;
        if (json_object_object_get_ex(d, "causes", &causes))
                return causes;
        causes = json_object_new_array();
        if (!causes)
                return NULL;
        if (json_object_object_add(d, "causes", causes) < 0) {
                json_object_put(causes);
                return NULL;
        }
        return causes;
}

void k8s_status_add_cause(json_object *st, const char *reason, const char *message, const char *field) {
        json_object *causes = status_causes(st);

        if (causes)
                (void) k8s_causes_append(causes, reason, message, field);
}

void k8s_status_set_retry_after(json_object *st, int seconds) {
        json_object *d;

        if (seconds <= 0)
                return;
        d = status_details(st);
        if (d)
                (void) json_object_object_add(d, "retryAfterSeconds", json_object_new_int(seconds));
}

/* "deployments.apps" → group "apps", resource "deployments" (schema.GroupResource.String() inverted) */
static const char *split_group(const char *qualified, char **ret_resource) {
        const char *dot = qualified ? strchr(qualified, '.') : NULL;

        *ret_resource = dot ? strndup(qualified, (size_t) (dot - qualified)) : NULL;
        return dot ? dot + 1 : "";
}

static json_object *status_for_object(int code, const char *reason, const char *qualified, const char *name,
                                      const char *message) {
        _cleanup_(json_object_putp) json_object *st = k8s_status_new(code, reason, message);
        _cleanup_free_ char *resource = NULL;
        const char *group;

        if (!st)
                return NULL;
        group = split_group(qualified, &resource);
        k8s_status_set_details(st, name, group, resource ?: qualified, NULL);
        return TAKE_PTR(st);
}

json_object *k8s_status_not_found(const char *resource_with_group, const char *name) {
        _cleanup_free_ char *msg = NULL;

        if (asprintf(&msg, "%s \"%s\" not found", strempty(resource_with_group), strempty(name)) < 0)
                return NULL;
        return status_for_object(404, K8S_REASON_NOT_FOUND, resource_with_group, name, msg);
}

json_object *k8s_status_already_exists(const char *resource_with_group, const char *name) {
        _cleanup_free_ char *msg = NULL;

        if (asprintf(&msg, "%s \"%s\" already exists", strempty(resource_with_group), strempty(name)) < 0)
                return NULL;
        return status_for_object(409, K8S_REASON_ALREADY_EXISTS, resource_with_group, name, msg);
}

json_object *k8s_status_conflict(const char *resource_with_group, const char *name, const char *detail) {
        _cleanup_free_ char *msg = NULL;

        if (asprintf(&msg, "Operation cannot be fulfilled on %s \"%s\": %s", strempty(resource_with_group),
                     strempty(name), detail ?: K8S_CONFLICT_OPTIMISTIC_LOCK_MSG) < 0)
                return NULL;
        return status_for_object(409, K8S_REASON_CONFLICT, resource_with_group, name, msg);
}

json_object *k8s_status_forbidden(const char *resource_with_group, const char *name, const char *reason_text) {
        _cleanup_free_ char *msg = NULL;
        int r;

        if (isempty(resource_with_group))
                r = asprintf(&msg, "forbidden: %s", strempty(reason_text));
        else if (isempty(name))
                r = asprintf(&msg, "%s is forbidden: %s", resource_with_group, strempty(reason_text));
        else
                r = asprintf(&msg, "%s \"%s\" is forbidden: %s", resource_with_group, name, strempty(reason_text));
        if (r < 0)
                return NULL;
        return status_for_object(403, K8S_REASON_FORBIDDEN, resource_with_group, name, msg);
}

/* field.ErrorList.ToAggregate().Error(): one message as is, several as "[a, b]", duplicates dropped. */
json_object *k8s_status_invalid(const char *kind, const char *name, json_object *causes_array) {
        _cleanup_(json_object_putp) json_object *st = NULL;
        _cleanup_free_ char *list = NULL, *msg = NULL, *kind_only = NULL;
        size_t n = 0, n_unique = 0, len = 0;
        const char *group;
        FILE *f;

        if (causes_array && json_object_is_type(causes_array, json_type_array))
                n = json_object_array_length(causes_array);

        f = open_memstream(&list, &len);
        if (!f)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(causes_array, i);
                const char *field = json_get_string(c, "field"), *m = json_get_string(c, "message");
                bool dup = false;

                /* the aggregate prints each distinct message once */
                for (size_t j = 0; j < i && !dup; j++) {
                        json_object *p = json_object_array_get_idx(causes_array, j);
                        dup = streq_ptr(json_get_string(p, "field"), field) &&
                              streq_ptr(json_get_string(p, "message"), m);
                }
                if (dup)
                        continue;
                fprintf(f, "%s%s%s%s", n_unique > 0 ? ", " : "", strempty(field), isempty(field) ? "" : ": ",
                        strempty(m));
                n_unique++;
        }
        if (fclose(f) != 0)
                return NULL;

        if (asprintf(&msg, "%s \"%s\" is invalid: %s%s%s", strempty(kind), strempty(name),
                     n_unique > 1 ? "[" : "", n_unique == 0 ? "<nil>" : list, n_unique > 1 ? "]" : "") < 0)
                return NULL;

        st = k8s_status_new(422, K8S_REASON_INVALID, msg);
        if (!st)
                return NULL;
        group = split_group(kind, &kind_only);
        k8s_status_set_details(st, name, group, kind_only ?: kind, NULL);
        if (n > 0) {
                json_object *d = status_details(st), *copy = NULL;
                if (!d || json_object_deep_copy(causes_array, &copy, NULL) < 0 ||
                    json_object_object_add(d, "causes", copy) < 0) {
                        json_object_put(copy);
                        return NULL;
                }
        }
        return TAKE_PTR(st);
}

json_object *k8s_status_bad_request(const char *message) {
        return k8s_status_new(400, K8S_REASON_BAD_REQUEST, message);
}

json_object *k8s_status_unauthorized(const char *message) {
        return k8s_status_new(401, K8S_REASON_UNAUTHORIZED, message ?: "Unauthorized");
}

json_object *k8s_status_method_not_allowed(const char *verb, const char *resource_with_group) {
        _cleanup_free_ char *msg = NULL;

        if (asprintf(&msg, "%s is not supported on resources of kind \"%s\"", strempty(verb),
                     strempty(resource_with_group)) < 0)
                return NULL;
        return status_for_object(405, K8S_REASON_METHOD_NOT_ALLOWED, resource_with_group, NULL, msg);
}

json_object *k8s_status_expired(const char *message) {
        return k8s_status_new(410, K8S_REASON_EXPIRED, message);
}

json_object *k8s_status_gone(const char *message) {
        return k8s_status_new(410, K8S_REASON_GONE, message);
}

json_object *k8s_status_too_many_requests(const char *message, int retry_after) {
        _cleanup_(json_object_putp) json_object *st =
                k8s_status_new(429, K8S_REASON_TOO_MANY_REQUESTS, message ?: "Too many requests, please try again later.");

        if (!st)
                return NULL;
        k8s_status_set_retry_after(st, retry_after);
        return TAKE_PTR(st);
}

json_object *k8s_status_internal(const char *message) {
        _cleanup_(json_object_putp) json_object *st =
                status_newf(500, K8S_REASON_INTERNAL_ERROR, "Internal error occurred: %s", strempty(message));

        if (!st)
                return NULL;
        k8s_status_add_cause(st, NULL, message, NULL);
        return TAKE_PTR(st);
}

json_object *k8s_status_timeout(const char *message, int retry_after) {
        _cleanup_(json_object_putp) json_object *st = status_newf(504, K8S_REASON_TIMEOUT, "Timeout: %s", strempty(message));

        if (!st)
                return NULL;
        k8s_status_set_retry_after(st, retry_after);
        return TAKE_PTR(st);
}

json_object *k8s_status_server_timeout(const char *resource_with_group, const char *operation, int retry_after) {
        _cleanup_(json_object_putp) json_object *st = NULL;
        _cleanup_free_ char *msg = NULL;

        if (asprintf(&msg, "The %s operation against %s could not be completed at this time, please try again.",
                     strempty(operation), strempty(resource_with_group)) < 0)
                return NULL;
        st = status_for_object(500, K8S_REASON_SERVER_TIMEOUT, resource_with_group, operation, msg);
        if (!st)
                return NULL;
        k8s_status_set_retry_after(st, retry_after);
        return TAKE_PTR(st);
}

json_object *k8s_status_service_unavailable(const char *message) {
        return k8s_status_new(503, K8S_REASON_SERVICE_UNAVAILABLE, message);
}

json_object *k8s_status_not_acceptable(const char *accepted) {
        return status_newf(406, K8S_REASON_NOT_ACCEPTABLE, "only the following media types are accepted: %s",
                           strempty(accepted));
}

json_object *k8s_status_unsupported_media_type(const char *accepted) {
        return status_newf(415, K8S_REASON_UNSUPPORTED_MEDIA_TYPE,
                           "the body of the request was in an unknown format - accepted media types include: %s",
                           strempty(accepted));
}

json_object *k8s_status_request_entity_too_large(const char *message) {
        return status_newf(413, K8S_REASON_REQUEST_ENTITY_TOO_LARGE, "Request entity too large: %s", strempty(message));
}

json_object *k8s_status_insufficient_storage(const char *message) {
        return k8s_status_new(507, K8S_REASON_INTERNAL_ERROR, message);
}

json_object *k8s_status_not_implemented(const char *message) {
        return k8s_status_new(501, K8S_REASON_UNKNOWN, message);
}

json_object *k8s_status_success(const char *name, const char *group, const char *kind, const char *uid) {
        _cleanup_(json_object_putp) json_object *st = k8s_status_new(200, NULL, NULL);

        if (!st)
                return NULL;
        k8s_status_set_details(st, name, group, kind, uid);
        return TAKE_PTR(st);
}
