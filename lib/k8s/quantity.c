/* SPDX-License-Identifier: Apache-2.0 */

/*
 * resource.Quantity parsing without a bignum library.
 *
 * The input is split like upstream's parseQuantityString() into sign, digits (integer and fractional part)
 * and a suffix; the suffix gives a power of ten (SI prefixes, e<N>) or a power of 1024 (Ki…Ei). The digits are
 * kept as a decimal digit string: a binary multiplier is applied by multiplying that string by 1024 k times,
 * so what remains is digits × 10^e10, which is scaled to the wanted unit and rounded up (away from zero, as
 * upstream's inf.RoundUp / "always rounds up" does), with overflow detected before any int64 arithmetic.
 * Work is linear in the input length (at most 6 passes of ×1024 over the digits).
 */

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "macro.h"
#include "quantity.h"

#define EXPONENT_CLAMP 100000 /* beyond this, any non-zero value has overflowed or rounds to ±1 */

static const struct {
        const char *suffix;
        int exp10;   /* power of ten */
        int exp1024; /* power of 1024 */
} suffixes[] = {
        { "", 0, 0 },   { "n", -9, 0 }, { "u", -6, 0 }, { "m", -3, 0 }, { "k", 3, 0 },   { "M", 6, 0 },
        { "G", 9, 0 },  { "T", 12, 0 }, { "P", 15, 0 }, { "E", 18, 0 }, { "Ki", 0, 1 }, { "Mi", 0, 2 },
        { "Gi", 0, 3 }, { "Ti", 0, 4 }, { "Pi", 0, 5 }, { "Ei", 0, 6 },
};

/* Parse s and compute ceil-away-from-zero(|value| × 10^scale) into *ret_mag (≤ INT64_MAX, or INT64_MAX + 1
 * for negative values), with the sign in *ret_neg. */
static int quantity_scaled(const char *s, int scale, bool *ret_neg, uint64_t *ret_mag) {
        _cleanup_free_ char *digits = NULL;
        const char *p, *int_start, *frac_start, *suffix;
        size_t n_int, n_frac, n_digits, first, len;
        long e10;
        int exp1024 = -1;
        bool neg = false;
        uint64_t v = 0;

        if (!s)
                return -EINVAL;
        p = s;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';

        int_start = p;
        n_int = strspn(p, "0123456789");
        p += n_int;
        frac_start = p;
        n_frac = 0;
        if (*p == '.') {
                frac_start = ++p;
                n_frac = strspn(p, "0123456789");
                p += n_frac;
        }
        if (n_int + n_frac == 0)
                return -EINVAL;

        /* suffix: SI/binary letters, or an exponent e|E[+-]digits */
        suffix = p;
        e10 = 0;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (streq(suffix, suffixes[i].suffix)) {
                        e10 = suffixes[i].exp10;
                        exp1024 = suffixes[i].exp1024;
                        break;
                }
        if (exp1024 < 0) {
                const char *q = suffix;
                bool eneg = false;
                size_t nd;

                if (*q != 'e' && *q != 'E')
                        return -EINVAL;
                q++;
                if (*q == '+' || *q == '-')
                        eneg = *q++ == '-';
                nd = strspn(q, "0123456789");
                if (nd == 0 || q[nd] != 0)
                        return -EINVAL;
                for (; *q; q++)
                        if (e10 < EXPONENT_CLAMP)
                                e10 = e10 * 10 + (*q - '0');
                if (eneg)
                        e10 = -e10;
                exp1024 = 0;
        }

        /* digit string: integer and fractional digits, value = digits × 10^(e10 - n_frac) */
        n_digits = n_int + n_frac;
        /* room for ×1024^6 (≤ 19 more digits) */
        digits = malloc(n_digits + 20);
        if (!digits)
                return -ENOMEM;
        memcpy(digits, int_start, n_int);
        memcpy(digits + n_int, frac_start, n_frac);
        e10 += (long) scale - (long) n_frac;

        /* strip leading zeros */
        for (first = 0; first < n_digits && digits[first] == '0'; first++)
                ;
        len = n_digits - first;
        memmove(digits, digits + first, len);
        if (len == 0) {
                *ret_neg = false;
                *ret_mag = 0;
                return 0;
        }

        /* multiply by 1024^exp1024, least significant digit last */
        for (int k = 0; k < exp1024; k++) {
                unsigned carry = 0;
                for (size_t i = len; i > 0; i--) {
                        unsigned d = (unsigned) (digits[i - 1] - '0') * 1024u + carry;
                        digits[i - 1] = (char) ('0' + d % 10);
                        carry = d / 10;
                }
                while (carry > 0) {
                        memmove(digits + 1, digits, len);
                        digits[0] = (char) ('0' + carry % 10);
                        carry /= 10;
                        len++;
                }
        }

        /* strip trailing zeros into the exponent */
        while (len > 1 && digits[len - 1] == '0') {
                len--;
                e10++;
        }

        if (e10 >= 0) {
                /* digits ≥ 10^(len-1): anything with len + e10 > 19 is ≥ 10^19 > UINT64 range we allow */
                if ((long) len + e10 > 19)
                        return -ERANGE;
                for (size_t i = 0; i < len; i++)
                        v = v * 10 + (uint64_t) (digits[i] - '0');
                for (long i = 0; i < e10; i++)
                        v *= 10;
        } else {
                size_t s_frac = (size_t) -e10;
                bool frac_nonzero = true; /* the last digit is non-zero after stripping */

                if (len > s_frac) {
                        size_t n_intpart = len - s_frac;
                        if (n_intpart > 19)
                                return -ERANGE;
                        for (size_t i = 0; i < n_intpart; i++)
                                v = v * 10 + (uint64_t) (digits[i] - '0');
                }
                if (frac_nonzero)
                        v++; /* round up, away from zero */
        }

        if (v > (uint64_t) INT64_MAX + (neg ? 1u : 0u))
                return -ERANGE;
        *ret_neg = neg && v > 0;
        *ret_mag = v;
        return 0;
}

static int to_int64(bool neg, uint64_t mag, int64_t *ret) {
        if (neg)
                *ret = mag == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) mag;
        else
                *ret = (int64_t) mag;
        return 0;
}

int k8s_quantity_parse(const char *s, int64_t *ret_milli) {
        uint64_t mag;
        bool neg;
        int r;

        r = quantity_scaled(s, 3, &neg, &mag);
        if (r < 0)
                return r;
        return to_int64(neg, mag, ret_milli);
}

int k8s_quantity_parse_value(const char *s, int64_t *ret) {
        uint64_t mag;
        bool neg;
        int r;

        r = quantity_scaled(s, 0, &neg, &mag);
        if (r < 0)
                return r;
        return to_int64(neg, mag, ret);
}

int k8s_quantity_parse_bytes(const char *s, uint64_t *ret) {
        uint64_t mag;
        bool neg;
        int r;

        r = quantity_scaled(s, 0, &neg, &mag);
        if (r < 0)
                return r;
        if (neg)
                return -EINVAL;
        *ret = mag;
        return 0;
}

char *k8s_quantity_format(int64_t milli, bool binary) {
        static const char *const si[] = { "m", "", "k", "M", "G", "T", "P", "E" };
        static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
        bool neg = milli < 0;
        /* magnitude as unsigned so INT64_MIN works */
        uint64_t v = neg ? (uint64_t) 0 - (uint64_t) milli : (uint64_t) milli;
        const char *suffix;
        char *s;
        size_t k = 0;

        if (v == 0)
                return strdup("0");

        if (binary && v % 1000 == 0 && v / 1000 >= 1024) {
                v /= 1000;
                while (k + 1 < ELEMENTSOF(bin) && v % 1024 == 0) {
                        v /= 1024;
                        k++;
                }
                suffix = bin[k];
        } else {
                while (k + 1 < ELEMENTSOF(si) && v % 1000 == 0) {
                        v /= 1000;
                        k++;
                }
                suffix = si[k];
        }
        if (asprintf(&s, "%s%" PRIu64 "%s", neg ? "-" : "", v, suffix) < 0)
                return NULL;
        return s;
}

/* The text of a JSON quantity into buf (or the string itself), NULL if not a quantity-shaped value. */
static const char *json_quantity_text(json_object *v, char *buf, size_t size) {
        if (!v)
                return NULL;
        switch (json_object_get_type(v)) {
        case json_type_string:
                return json_object_get_string(v);
        case json_type_int:
                snprintf(buf, size, "%" PRIi64, json_object_get_int64(v));
                return buf;
        case json_type_double: {
                double d = json_object_get_double(v);
                if (!isfinite(d))
                        return NULL;
                snprintf(buf, size, "%.15g", d);
                return buf;
        }
        default:
                return NULL;
        }
}

int k8s_quantity_from_json(json_object *v, int64_t *ret_milli) {
        char buf[64];
        const char *s = json_quantity_text(v, buf, sizeof buf);

        if (!s)
                return -EINVAL;
        return k8s_quantity_parse(s, ret_milli);
}

int k8s_quantity_bytes_from_json(json_object *v, uint64_t *ret) {
        char buf[64];
        const char *s = json_quantity_text(v, buf, sizeof buf);

        if (!s)
                return -EINVAL;
        return k8s_quantity_parse_bytes(s, ret);
}
