/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Protobuf wire decoder driven by the schema tables in protobuf-schema.c (see protobuf.h for the JSON shape).
 *
 * Design notes:
 *   - Every read is bounded by the end of the enclosing length-delimited range; lengths are checked against
 *     the remaining bytes before use, so nothing reads past the buffer whatever the input.
 *   - Varints longer than 10 bytes, or whose 10th byte carries more than one bit, are malformed.
 *   - Recursion only follows nested messages, and each level costs a counter checked against
 *     KSHIM_MAX_JSON_DEPTH (inline messages count too), so the stack is bounded independently of the schema.
 *   - Field numbers the schema does not know are skipped by wire type (0, 1, 2, 5); groups (3, 4) are refused,
 *     as Kubernetes never uses them. A known field with an unexpected wire type is malformed, as in gogo's
 *     generated Unmarshal().
 *   - A non-repeated field seen twice: scalars, the last one wins; messages merge (proto semantics).
 *   - Strings must be valid UTF-8 without NUL, like json_parse() insists (C readers would cut them short).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kshim-limits.h"
#include "macro.h"
#include "protobuf.h"
#include "quantity.h"

typedef struct PbDecoder {
        char *error;
        bool located; /* error already names its message */
        unsigned unknown_fields;
        size_t n_values;
} PbDecoder;

static _printf_(2, 3) int pb_fail(PbDecoder *d, const char *fmt, ...) {
        va_list ap;

        if (!d->error) {
                va_start(ap, fmt);
                if (vasprintf(&d->error, fmt, ap) < 0)
                        d->error = NULL;
                va_end(ap);
        }
        return -EBADMSG;
}

static int pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *ret) {
        uint64_t v = 0;

        for (unsigned i = 0; i < 10; i++) {
                uint8_t b;

                if (*p >= end)
                        return -EBADMSG;
                b = *(*p)++;
                if (i == 9 && b > 1)
                        return -EBADMSG; /* more than 64 bits */
                v |= (uint64_t) (b & 0x7f) << (7 * i);
                if (!(b & 0x80)) {
                        *ret = v;
                        return 0;
                }
        }
        return -EBADMSG;
}

/* Length-delimited payload: [*ret_data, *ret_data + *ret_len) within end. */
static int pb_read_bytes(const uint8_t **p, const uint8_t *end, const uint8_t **ret_data, size_t *ret_len) {
        uint64_t n;
        int r;

        r = pb_read_varint(p, end, &n);
        if (r < 0)
                return r;
        if (n > (uint64_t) (end - *p))
                return -EBADMSG;
        *ret_data = *p;
        *ret_len = (size_t) n;
        *p += n;
        return 0;
}

static int pb_skip(const uint8_t **p, const uint8_t *end, unsigned wire_type) {
        const uint8_t *data;
        uint64_t v;
        size_t n;

        switch (wire_type) {
        case 0:
                return pb_read_varint(p, end, &v);
        case 1:
                if (end - *p < 8)
                        return -EBADMSG;
                *p += 8;
                return 0;
        case 2:
                return pb_read_bytes(p, end, &data, &n);
        case 5:
                if (end - *p < 4)
                        return -EBADMSG;
                *p += 4;
                return 0;
        default:
                return -EBADMSG;
        }
}

static bool utf8_valid_no_nul(const uint8_t *s, size_t n) {
        size_t i = 0;

        while (i < n) {
                uint8_t c = s[i];
                uint32_t cp;
                size_t len;

                if (c == 0)
                        return false;
                if (c < 0x80) {
                        i++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0) {
                        len = 2;
                        cp = c & 0x1f;
                } else if ((c & 0xf0) == 0xe0) {
                        len = 3;
                        cp = c & 0x0f;
                } else if ((c & 0xf8) == 0xf0) {
                        len = 4;
                        cp = c & 0x07;
                } else
                        return false;
                if (n - i < len)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                /* overlong forms, surrogates, beyond U+10FFFF */
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                        return false;
                i += len;
        }
        return true;
}

static json_object *pb_base64(const uint8_t *s, size_t n) {
        static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        _cleanup_free_ char *out = NULL;
        json_object *o;
        size_t j = 0;

        out = malloc((n + 2) / 3 * 4 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t) s[i] << 16;

                if (i + 1 < n)
                        v |= (uint32_t) s[i + 1] << 8;
                if (i + 2 < n)
                        v |= s[i + 2];
                out[j++] = table[(v >> 18) & 63];
                out[j++] = table[(v >> 12) & 63];
                out[j++] = i + 1 < n ? table[(v >> 6) & 63] : '=';
                out[j++] = i + 2 < n ? table[v & 63] : '=';
        }
        out[j] = 0;
        o = json_object_new_string_len(out, (int) j);
        return o;
}

/* Time as RFC 3339 in UTC; micro: fixed 6 fraction digits (MicroTime), else seconds precision (Time). */
static int pb_format_time(PbDecoder *d, const PbField *f, int64_t seconds, int32_t nanos, bool micro,
                          json_object **ret) {
        char buf[64];
        struct tm tm;
        time_t t;

        if (nanos < 0 || nanos > 999999999)
                return pb_fail(d, "%s: nanos out of range", f->json_name);
        /* Go refuses to marshal years outside [0, 9999]: 0000-01-01 .. 9999-12-31T23:59:59 */
        if (seconds < -62167219200LL || seconds > 253402300799LL)
                return pb_fail(d, "%s: time out of range", f->json_name);
        t = (time_t) seconds;
        if (!gmtime_r(&t, &tm))
                return pb_fail(d, "%s: time out of range", f->json_name);
        if (micro)
                snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (nanos / 1000));
        else
                snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        *ret = json_object_new_string(buf);
        return *ret ? 0 : -ENOMEM;
}

static int pb_decode_message(PbDecoder *d, const PbMessage *m, const uint8_t *p, const uint8_t *end,
                             json_object *obj, unsigned depth);

static bool isempty_str(const char *s) {
        return !s || !*s;
}

static int add_string(json_object *o, const char *key, const char *value) {
        json_object *v = json_object_new_string(value);

        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static bool pb_kind_is_varint(PbKind k) {
        return k == PB_BOOL || k == PB_INT32 || k == PB_INT64 || k == PB_UINT32;
}

/* A packed varint costs one input byte per JSON value (~50 bytes of memory): bound the output so a 3 MiB body
 * cannot become gigabytes. No object within KSHIM_MAX_OBJECT_BYTES has more values than this anyway. */
static int pb_count_value(PbDecoder *d, const PbField *f) {
        if (++d->n_values > KSHIM_PROTOBUF_MAX_VALUES)
                return pb_fail(d, "%s: more than %u values in one body", f->json_name, KSHIM_PROTOBUF_MAX_VALUES);
        return 0;
}

/* Scalar from a varint. *ret = NULL and *ret_zero reports a zero value. */
static int pb_varint_value(PbDecoder *d, const PbField *f, uint64_t v, json_object **ret, bool *ret_zero) {
        json_object *o;

        if (pb_count_value(d, f) < 0)
                return -EBADMSG;

        switch (f->kind) {
        case PB_BOOL:
                o = json_object_new_boolean(v != 0);
                *ret_zero = v == 0;
                break;
        case PB_INT32:
                o = json_object_new_int((int32_t) (uint32_t) v);
                *ret_zero = (uint32_t) v == 0;
                break;
        case PB_UINT32:
                o = json_object_new_int64((uint32_t) v);
                *ret_zero = (uint32_t) v == 0;
                break;
        case PB_INT64:
                o = json_object_new_int64((int64_t) v);
                *ret_zero = v == 0;
                break;
        default:
                return pb_fail(d, "%s: not a varint field", f->json_name);
        }
        if (!o)
                return -ENOMEM;
        *ret = o;
        return 0;
}

/* The special (message-shaped) kinds. *ret may be NULL for "absent" (zero Time, empty FieldsV1). */
static int pb_special_value(PbDecoder *d, const PbField *f, const uint8_t *p, const uint8_t *end,
                            json_object **ret) {
        int64_t seconds = 0, type = 0;
        int32_t nanos = 0, int_val = 0;
        const uint8_t *str = NULL;
        size_t str_len = 0;
        bool have_str = false;
        int r;

        while (p < end) {
                uint64_t key, v;
                unsigned wt;
                uint32_t num;

                r = pb_read_varint(&p, end, &key);
                if (r < 0)
                        return pb_fail(d, "%s: truncated", f->json_name);
                wt = key & 7;
                num = (uint32_t) MIN(key >> 3, (uint64_t) UINT32_MAX);

                if (f->kind == PB_QUANTITY || f->kind == PB_FIELDSV1 ||
                    (f->kind == PB_INTORSTRING && num == 3)) {
                        if (num != (f->kind == PB_INTORSTRING ? 3u : 1u))
                                goto skip;
                        if (wt != 2)
                                return pb_fail(d, "%s: wrong wire type", f->json_name);
                        if (pb_read_bytes(&p, end, &str, &str_len) < 0)
                                return pb_fail(d, "%s: truncated", f->json_name);
                        have_str = true;
                        continue;
                }
                if (num == 1 || num == 2) {
                        if (wt != 0)
                                return pb_fail(d, "%s: wrong wire type", f->json_name);
                        if (pb_read_varint(&p, end, &v) < 0)
                                return pb_fail(d, "%s: truncated", f->json_name);
                        if (f->kind == PB_INTORSTRING) {
                                if (num == 1)
                                        type = (int64_t) v;
                                else
                                        int_val = (int32_t) (uint32_t) v;
                        } else if (num == 1)
                                seconds = (int64_t) v;
                        else
                                nanos = (int32_t) (uint32_t) v;
                        continue;
                }
        skip:
                if (num == 0)
                        return pb_fail(d, "%s: field number 0", f->json_name);
                if (pb_skip(&p, end, wt) < 0)
                        return pb_fail(d, "%s: truncated or bad wire type", f->json_name);
                d->unknown_fields++;
        }

        switch (f->kind) {
        case PB_QUANTITY: {
                _cleanup_free_ char *s = NULL;
                int64_t milli;

                if (!have_str || str_len == 0)
                        return pb_fail(d, "%s: empty quantity", f->json_name);
                if (!utf8_valid_no_nul(str, str_len))
                        return pb_fail(d, "%s: invalid quantity", f->json_name);
                s = strndup((const char *) str, str_len);
                if (!s)
                        return -ENOMEM;
                r = k8s_quantity_parse(s, &milli);
                if (r == -EINVAL)
                        return pb_fail(d, "%s: invalid quantity \"%.64s\"", f->json_name, s);
                *ret = json_object_new_string(s);
                return *ret ? 0 : -ENOMEM;
        }
        case PB_TIME:
        case PB_MICROTIME:
                if (seconds == 0 && nanos == 0) {
                        *ret = NULL;
                        return 0;
                }
                return pb_format_time(d, f, seconds, nanos, f->kind == PB_MICROTIME, ret);
        case PB_INTORSTRING:
                if (type == 0)
                        *ret = json_object_new_int(int_val);
                else if (type == 1) {
                        if (str_len > 0 && !utf8_valid_no_nul(str, str_len))
                                return pb_fail(d, "%s: invalid UTF-8 or NUL in string", f->json_name);
                        *ret = json_object_new_string_len(str_len > 0 ? (const char *) str : "", (int) str_len);
                } else
                        return pb_fail(d, "%s: bad IntOrString type %" PRIi64, f->json_name, type);
                return *ret ? 0 : -ENOMEM;
        case PB_FIELDSV1: {
                _cleanup_free_ char *msg = NULL;

                if (str_len == 0) {
                        *ret = NULL;
                        return 0;
                }
                r = json_parse((const char *) str, str_len, ret, &msg);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return pb_fail(d, "%s: not JSON: %s", f->json_name, msg ?: "parse error");
                return 0;
        }
        default:
                return pb_fail(d, "%s: internal: not a special kind", f->json_name);
        }
}

/* One length-delimited element of a string/bytes/message/special field. For messages a new object. */
static int pb_delimited_value(PbDecoder *d, const PbField *f, const uint8_t *data, size_t n, unsigned depth,
                              json_object **ret, bool *ret_zero) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        *ret_zero = false;
        if (pb_count_value(d, f) < 0)
                return -EBADMSG;
        switch (f->kind) {
        case PB_STRING:
                if (!utf8_valid_no_nul(data, n))
                        return pb_fail(d, "%s: invalid UTF-8 or NUL in string", f->json_name);
                o = json_object_new_string_len(n > 0 ? (const char *) data : "", (int) n);
                *ret_zero = n == 0;
                break;
        case PB_BYTES:
                o = pb_base64(data, n);
                *ret_zero = n == 0;
                break;
        case PB_MESSAGE:
                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
                r = pb_decode_message(d, f->message, data, data + n, o, depth + 1);
                if (r < 0)
                        return r;
                break;
        default:
                if (depth + 1 > KSHIM_MAX_JSON_DEPTH)
                        return pb_fail(d, "%s: nested too deeply", f->json_name);
                r = pb_special_value(d, f, data, data + n, &o);
                if (r < 0)
                        return r;
                *ret_zero = !o;
                *ret = TAKE_PTR(o);
                return 0;
        }
        if (!o)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int pb_container(json_object *obj, const char *name, bool array, json_object **ret) {
        json_object *c;

        if (json_object_object_get_ex(obj, name, &c) &&
            json_object_is_type(c, array ? json_type_array : json_type_object)) {
                *ret = c;
                return 0;
        }
        c = array ? json_object_new_array() : json_object_new_object();
        if (!c)
                return -ENOMEM;
        if (json_object_object_add(obj, name, c) < 0) {
                json_object_put(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

static int pb_array_add(json_object *a, json_object *v) {
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int pb_zero_value(const PbField *f, json_object **ret) {
        switch (f->kind) {
        case PB_STRING:
        case PB_BYTES:
                *ret = json_object_new_string("");
                break;
        case PB_BOOL:
                *ret = json_object_new_boolean(0);
                break;
        case PB_INT32:
        case PB_INT64:
        case PB_UINT32:
        case PB_INTORSTRING:
                *ret = json_object_new_int(0);
                break;
        case PB_QUANTITY:
                *ret = json_object_new_string("0");
                break;
        case PB_MESSAGE:
                *ret = json_object_new_object();
                break;
        default: /* Time, FieldsV1: null */
                *ret = NULL;
                return 0;
        }
        return *ret ? 0 : -ENOMEM;
}

static int pb_decode_map_entry(PbDecoder *d, const PbField *f, const uint8_t *p, const uint8_t *end,
                               unsigned depth, json_object *map) {
        _cleanup_(json_object_putp) json_object *value = NULL;
        _cleanup_free_ char *key = NULL;
        bool have_value = false;
        int r;

        if (depth + 1 > KSHIM_MAX_JSON_DEPTH)
                return pb_fail(d, "%s: nested too deeply", f->json_name);

        while (p < end) {
                const uint8_t *data;
                uint64_t k, v;
                unsigned wt;
                size_t n;
                bool zero;

                if (pb_read_varint(&p, end, &k) < 0)
                        return pb_fail(d, "%s: truncated map entry", f->json_name);
                wt = k & 7;
                if (k >> 3 == 1) {
                        if (wt != 2 || pb_read_bytes(&p, end, &data, &n) < 0)
                                return pb_fail(d, "%s: bad map key", f->json_name);
                        if (!utf8_valid_no_nul(data, n))
                                return pb_fail(d, "%s: invalid UTF-8 or NUL in map key", f->json_name);
                        free(key);
                        key = strndup(n > 0 ? (const char *) data : "", n);
                        if (!key)
                                return -ENOMEM;
                } else if (k >> 3 == 2) {
                        json_object_put(TAKE_PTR(value));
                        if (pb_kind_is_varint(f->kind)) {
                                if (wt != 0 || pb_read_varint(&p, end, &v) < 0)
                                        return pb_fail(d, "%s: bad map value", f->json_name);
                                r = pb_varint_value(d, f, v, &value, &zero);
                        } else {
                                if (wt != 2 || pb_read_bytes(&p, end, &data, &n) < 0)
                                        return pb_fail(d, "%s: bad map value", f->json_name);
                                r = pb_delimited_value(d, f, data, n, depth, &value, &zero);
                        }
                        if (r < 0)
                                return r;
                        have_value = true;
                } else {
                        if (k >> 3 == 0 || pb_skip(&p, end, wt) < 0)
                                return pb_fail(d, "%s: bad map entry", f->json_name);
                        d->unknown_fields++;
                }
        }

        if (!have_value) {
                r = pb_zero_value(f, &value);
                if (r < 0)
                        return r;
        }
        if (json_object_object_add(map, key ?: "", value) < 0)
                return -ENOMEM;
        TAKE_PTR(value);
        return 0;
}

static int pb_decode_field(PbDecoder *d, const PbField *f, unsigned wt, const uint8_t **p, const uint8_t *end,
                           json_object *obj, unsigned depth) {
        json_object *v = NULL, *container;
        const uint8_t *data;
        uint64_t raw;
        bool zero;
        size_t n;
        int r;

        if (f->label == PB_MAP) {
                if (wt != 2 || pb_read_bytes(p, end, &data, &n) < 0)
                        return pb_fail(d, "%s: wrong wire type or truncated", f->json_name);
                r = pb_container(obj, f->json_name, false, &container);
                if (r < 0)
                        return r;
                return pb_decode_map_entry(d, f, data, data + n, depth, container);
        }

        if (f->label == PB_REPEATED) {
                r = pb_container(obj, f->json_name, true, &container);
                if (r < 0)
                        return r;
                if (pb_kind_is_varint(f->kind)) {
                        if (wt == 0) {
                                if (pb_read_varint(p, end, &raw) < 0)
                                        return pb_fail(d, "%s: truncated", f->json_name);
                                r = pb_varint_value(d, f, raw, &v, &zero);
                                if (r < 0)
                                        return r;
                                return pb_array_add(container, v);
                        }
                        if (wt != 2 || pb_read_bytes(p, end, &data, &n) < 0)
                                return pb_fail(d, "%s: wrong wire type or truncated", f->json_name);
                        /* packed */
                        for (const uint8_t *q = data; q < data + n;) {
                                if (pb_read_varint(&q, data + n, &raw) < 0)
                                        return pb_fail(d, "%s: truncated packed value", f->json_name);
                                r = pb_varint_value(d, f, raw, &v, &zero);
                                if (r < 0)
                                        return r;
                                r = pb_array_add(container, v);
                                if (r < 0)
                                        return r;
                        }
                        return 0;
                }
                if (wt != 2 || pb_read_bytes(p, end, &data, &n) < 0)
                        return pb_fail(d, "%s: wrong wire type or truncated", f->json_name);
                r = pb_delimited_value(d, f, data, n, depth, &v, &zero);
                if (r < 0)
                        return r;
                return pb_array_add(container, v); /* NULL (zero Time) is JSON null, as Go */
        }

        /* single */
        if (pb_kind_is_varint(f->kind)) {
                if (wt != 0 || pb_read_varint(p, end, &raw) < 0)
                        return pb_fail(d, "%s: wrong wire type or truncated", f->json_name);
                r = pb_varint_value(d, f, raw, &v, &zero);
                if (r < 0)
                        return r;
        } else {
                if (wt != 2 || pb_read_bytes(p, end, &data, &n) < 0)
                        return pb_fail(d, "%s: wrong wire type or truncated", f->json_name);

                if (f->kind == PB_MESSAGE) {
                        /* merge into an earlier occurrence; inline messages fill the parent */
                        if (f->flags & PB_INLINE)
                                return pb_decode_message(d, f->message, data, data + n, obj, depth + 1);
                        r = pb_container(obj, f->json_name, false, &container);
                        if (r < 0)
                                return r;
                        return pb_decode_message(d, f->message, data, data + n, container, depth + 1);
                }
                r = pb_delimited_value(d, f, data, n, depth, &v, &zero);
                if (r < 0)
                        return r;
        }

        if (zero && !(f->flags & PB_KEEP_ZERO)) {
                json_object_put(v);
                json_object_object_del(obj, f->json_name); /* the last occurrence wins */
                return 0;
        }
        if (json_object_object_add(obj, f->json_name, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int pb_decode_message(PbDecoder *d, const PbMessage *m, const uint8_t *p, const uint8_t *end,
                             json_object *obj, unsigned depth) {
        int r;

        if (depth > KSHIM_MAX_JSON_DEPTH) {
                d->located = true;
                return pb_fail(d, "%s: nested too deeply", m->name);
        }

        while (p < end) {
                const PbField *f;
                uint64_t key;
                unsigned wt;

                d->located = true; /* until a field is decoded, errors here name m */
                if (pb_read_varint(&p, end, &key) < 0)
                        return pb_fail(d, "%s: truncated field tag", m->name);
                wt = key & 7;
                if (key >> 3 == 0 || key >> 3 > 536870911)
                        return pb_fail(d, "%s: invalid field number", m->name);

                f = pb_message_find_field(m, (uint32_t) (key >> 3));
                if (!f) {
                        if (pb_skip(&p, end, wt) < 0)
                                return pb_fail(d, "%s: unknown field %u: truncated or bad wire type %u", m->name,
                                               (unsigned) (key >> 3), wt);
                        d->unknown_fields++;
                        continue;
                }

                d->located = false;
                r = pb_decode_field(d, f, wt, &p, end, obj, depth);
                if (r == -EBADMSG && d->error && !d->located) {
                        /* prefix the innermost message name once: "ObjectMeta.labels: ..." */
                        char *s;
                        if (asprintf(&s, "%s.%s", m->name, d->error) >= 0) {
                                free(d->error);
                                d->error = s;
                        }
                        d->located = true;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_error(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

static int pb_run(const PbMessage *m, const uint8_t *p, size_t len, json_object *obj, unsigned *ret_unknown,
                  char **ret_error) {
        PbDecoder d = {};
        int r;

        if (len > INT32_MAX) /* json-c string lengths are int */
                return set_error(ret_error, -EBADMSG, "invalid protobuf body: too large");
        r = pb_decode_message(&d, m, p, p + len, obj, 1);
        if (r < 0) {
                if (ret_error && r != -ENOMEM) {
                        char *s = NULL;
                        if (asprintf(&s, "invalid protobuf body: %s", d.error ?: "malformed") < 0)
                                s = NULL;
                        *ret_error = s;
                }
                free(d.error);
                return r;
        }
        if (ret_unknown)
                *ret_unknown = d.unknown_fields;
        return 0;
}

int k8s_protobuf_decode_message(const char *message_name, const void *buf, size_t len, json_object **ret,
                                char **ret_error) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        const PbMessage *m;
        int r;

        m = pb_schema_find_message(message_name);
        if (!m)
                return set_error(ret_error, -EOPNOTSUPP, "no protobuf schema for message %s", message_name);
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = pb_run(m, buf, len, o, NULL, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* A string field of the envelope, validated. */
static int envelope_string(const uint8_t *data, size_t n, char **ret) {
        if (!utf8_valid_no_nul(data, n))
                return -EBADMSG;
        free(*ret);
        *ret = strndup(n > 0 ? (const char *) data : "", n);
        return *ret ? 0 : -ENOMEM;
}

int k8s_protobuf_decode_full(const void *buf, size_t len, json_object **ret, unsigned *ret_unknown_fields,
                             char **ret_error) {
        static const uint8_t magic[4] = { 'k', '8', 's', 0 };
        _cleanup_free_ char *api_version = NULL, *kind = NULL, *encoding = NULL, *content_type = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        const uint8_t *p = buf, *end, *raw = NULL;
        size_t raw_len = 0;
        const PbMessage *m;
        int r;

        if (len < sizeof magic || memcmp(buf, magic, sizeof magic) != 0)
                return set_error(ret_error, -EBADMSG, "invalid protobuf body: missing \"k8s\\0\" prefix");
        p += sizeof magic;
        end = p + (len - sizeof magic);

        /* runtime.Unknown */
        while (p < end) {
                const uint8_t *data;
                uint64_t key;
                size_t n;

                if (pb_read_varint(&p, end, &key) < 0)
                        return set_error(ret_error, -EBADMSG, "invalid protobuf body: truncated envelope");
                if (key >> 3 == 0)
                        return set_error(ret_error, -EBADMSG, "invalid protobuf body: invalid field number");
                if (key >> 3 > 4) {
                        if (pb_skip(&p, end, key & 7) < 0)
                                return set_error(ret_error, -EBADMSG, "invalid protobuf body: truncated envelope");
                        continue;
                }
                if ((key & 7) != 2 || pb_read_bytes(&p, end, &data, &n) < 0)
                        return set_error(ret_error, -EBADMSG,
                                         "invalid protobuf body: envelope field %u: wrong wire type or truncated",
                                         (unsigned) (key >> 3));
                switch (key >> 3) {
                case 1: /* TypeMeta */
                        for (const uint8_t *q = data; q < data + n;) {
                                const uint8_t *s;
                                uint64_t k;
                                size_t sn;

                                if (pb_read_varint(&q, data + n, &k) < 0 || k >> 3 == 0)
                                        return set_error(ret_error, -EBADMSG, "invalid protobuf body: bad TypeMeta");
                                if ((k >> 3 == 1 || k >> 3 == 2) && (k & 7) == 2) {
                                        if (pb_read_bytes(&q, data + n, &s, &sn) < 0)
                                                return set_error(ret_error, -EBADMSG,
                                                                 "invalid protobuf body: bad TypeMeta");
                                        r = envelope_string(s, sn, k >> 3 == 1 ? &api_version : &kind);
                                        if (r == -ENOMEM)
                                                return r;
                                        if (r < 0)
                                                return set_error(ret_error, -EBADMSG,
                                                                 "invalid protobuf body: bad TypeMeta string");
                                } else if (pb_skip(&q, data + n, k & 7) < 0)
                                        return set_error(ret_error, -EBADMSG, "invalid protobuf body: bad TypeMeta");
                        }
                        break;
                case 2:
                        raw = data;
                        raw_len = n;
                        break;
                case 3:
                case 4:
                        r = envelope_string(data, n, key >> 3 == 3 ? &encoding : &content_type);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return set_error(ret_error, -EBADMSG, "invalid protobuf body: bad envelope string");
                        break;
                }
        }

        if (!kind || !api_version || isempty_str(kind) || isempty_str(api_version))
                return set_error(ret_error, -EBADMSG, "invalid protobuf body: apiVersion and kind are required");
        if (encoding && !isempty_str(encoding))
                return set_error(ret_error, -EOPNOTSUPP, "protobuf contentEncoding \"%s\" is not supported",
                                 encoding);
        m = pb_schema_find_type(api_version, kind);
        if (!m)
                return set_error(ret_error, -EOPNOTSUPP,
                                 "%s %s is not supported as protobuf; send it as application/json", api_version,
                                 kind);

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        if (add_string(o, "kind", kind) < 0 || add_string(o, "apiVersion", api_version) < 0)
                return -ENOMEM;
        r = pb_run(m, raw ?: (const uint8_t *) "", raw_len, o, ret_unknown_fields, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int k8s_protobuf_decode(const void *buf, size_t len, json_object **ret, char **ret_error) {
        return k8s_protobuf_decode_full(buf, len, ret, NULL, ret_error);
}
