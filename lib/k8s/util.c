/* SPDX-License-Identifier: Apache-2.0 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "macro.h"
#include "util.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define NSEC_PER_SEC UINT64_C(1000000000)

int k8s_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
        static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

        if (!s || !ret)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (streq(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (streq(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

/* Writes "YYYY-MM-DDTHH:MM:SS" for sec, returns false if it does not fit the format (year > 9999). */
static bool format_seconds(uint64_t sec, char buf[static 32]) {
        struct tm tm;
        time_t t;

        if (sec > (uint64_t) 253402300799) /* 9999-12-31T23:59:59Z */
                return false;
        t = (time_t) sec;
        if (!gmtime_r(&t, &tm))
                return false;
        return strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm) > 0;
}

char *k8s_format_rfc3339(uint64_t usec) {
        char buf[32], *s;

        if (!format_seconds(usec / USEC_PER_SEC, buf))
                return NULL;
        if (asprintf(&s, "%sZ", buf) < 0)
                return NULL;
        return s;
}

char *k8s_format_rfc3339_micro(uint64_t usec) {
        char buf[32], *s;

        if (!format_seconds(usec / USEC_PER_SEC, buf))
                return NULL;
        if (asprintf(&s, "%s.%06" PRIu64 "Z", buf, usec % USEC_PER_SEC) < 0)
                return NULL;
        return s;
}

char *k8s_format_rfc3339_nano(uint64_t nsec) {
        char buf[32], frac[16] = "", *s;
        uint64_t ns = nsec % NSEC_PER_SEC;

        if (!format_seconds(nsec / NSEC_PER_SEC, buf))
                return NULL;
        if (ns > 0) {
                /* Go's RFC3339Nano: ".999999999", trailing zeros removed */
                size_t n;
                snprintf(frac, sizeof frac, ".%09" PRIu64, ns);
                n = strlen(frac);
                while (frac[n - 1] == '0')
                        frac[--n] = 0;
        }
        if (asprintf(&s, "%s%sZ", buf, frac) < 0)
                return NULL;
        return s;
}

static bool parse_digits(const char **p, size_t n, int *ret) {
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                char c = (*p)[i];
                if (c < '0' || c > '9')
                        return false;
                v = v * 10 + (c - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

static bool is_leap(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int k8s_parse_rfc3339(const char *s, uint64_t *ret_usec) {
        static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int year, mon, day, hour, min, sec, off_h = 0, off_m = 0, off_sign = 0;
        uint64_t usec = 0, scale = 100000;
        struct tm tm = {};
        const char *p = s;
        int64_t t;

        if (!s || !ret_usec)
                return -EINVAL;

        if (!parse_digits(&p, 4, &year) || *p++ != '-' || !parse_digits(&p, 2, &mon) || *p++ != '-' ||
            !parse_digits(&p, 2, &day) || *p++ != 'T' || !parse_digits(&p, 2, &hour) || *p++ != ':' ||
            !parse_digits(&p, 2, &min) || *p++ != ':' || !parse_digits(&p, 2, &sec))
                return -EINVAL;
        if (mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 || sec > 59)
                return -EINVAL;
        if (day > mdays[mon - 1] + (mon == 2 && is_leap(year)))
                return -EINVAL;

        if (*p == '.') {
                size_t n;
                p++;
                n = strspn(p, "0123456789");
                if (n == 0 || n > 9)
                        return -EINVAL;
                for (size_t i = 0; i < n; i++, scale /= 10)
                        usec += (uint64_t) (p[i] - '0') * scale; /* digits beyond µs add 0 (scale hits 0) */
                p += n;
        }

        if (*p == 'Z')
                p++;
        else if (*p == '+' || *p == '-') {
                off_sign = *p++ == '-' ? -1 : 1;
                if (!parse_digits(&p, 2, &off_h) || *p++ != ':' || !parse_digits(&p, 2, &off_m) || off_h > 23 ||
                    off_m > 59)
                        return -EINVAL;
        } else
                return -EINVAL;
        if (*p != 0)
                return -EINVAL;

        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = min;
        tm.tm_sec = sec;
        t = (int64_t) timegm(&tm);
        t -= (int64_t) off_sign * (off_h * 3600 + off_m * 60);
        if (t < 0)
                return -EINVAL;

        *ret_usec = (uint64_t) t * USEC_PER_SEC + usec;
        return 0;
}

/* k8s.io/apimachinery/pkg/util/duration.HumanDuration */
char *k8s_human_duration_signed(int64_t usec) {
        int64_t seconds = usec / (int64_t) USEC_PER_SEC; /* truncates toward zero like int(d.Seconds()) */
        int64_t minutes, hours;
        char *s;
        int r;

        if (seconds < -1)
                return strdup("<invalid>");
        if (seconds < 0)
                return strdup("0s");
        if (seconds < 60 * 2)
                r = asprintf(&s, "%" PRIi64 "s", seconds);
        else if ((minutes = seconds / 60) < 10) {
                int64_t sec = seconds % 60;
                r = sec == 0 ? asprintf(&s, "%" PRIi64 "m", minutes) :
                               asprintf(&s, "%" PRIi64 "m%" PRIi64 "s", minutes, sec);
        } else if (minutes < 60 * 3)
                r = asprintf(&s, "%" PRIi64 "m", minutes);
        else if ((hours = seconds / 3600) < 8) {
                int64_t m = minutes % 60;
                r = m == 0 ? asprintf(&s, "%" PRIi64 "h", hours) : asprintf(&s, "%" PRIi64 "h%" PRIi64 "m", hours, m);
        } else if (hours < 48)
                r = asprintf(&s, "%" PRIi64 "h", hours);
        else if (hours < 24 * 8) {
                int64_t h = hours % 24;
                r = h == 0 ? asprintf(&s, "%" PRIi64 "d", hours / 24) :
                             asprintf(&s, "%" PRIi64 "d%" PRIi64 "h", hours / 24, h);
        } else if (hours < 24 * 365 * 2)
                r = asprintf(&s, "%" PRIi64 "d", hours / 24);
        else if (hours < 24 * 365 * 8) {
                int64_t dy = (hours / 24) % 365;
                r = dy == 0 ? asprintf(&s, "%" PRIi64 "y", hours / 24 / 365) :
                              asprintf(&s, "%" PRIi64 "y%" PRIi64 "d", hours / 24 / 365, dy);
        } else
                r = asprintf(&s, "%" PRIi64 "y", hours / 24 / 365);

        return r < 0 ? NULL : s;
}

char *k8s_human_duration(uint64_t usec) {
        return k8s_human_duration_signed(usec > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) usec);
}

static int random_bytes(void *p, size_t n) {
        uint8_t *b = p;

        while (n > 0) {
                ssize_t k = getrandom(b, n, 0);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                b += k;
                n -= (size_t) k;
        }
        return 0;
}

int k8s_generate_name_suffix(char ret[static 6]) {
        /* utilrand.String(5) alphabet: no vowels, no confusable characters */
        static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
        const size_t n = sizeof(alphabet) - 1; /* 27 */
        uint8_t b[5];
        int r;

        for (size_t i = 0; i < 5; i++)
                for (;;) {
                        r = random_bytes(&b[i], 1);
                        if (r < 0)
                                return r;
                        if (b[i] < 256 - 256 % n) /* reject to avoid modulo bias */
                                break;
                }
        for (size_t i = 0; i < 5; i++)
                ret[i] = alphabet[b[i] % n];
        ret[5] = 0;
        return 0;
}

int k8s_new_uid(char ret[static 37]) {
        uint8_t u[16];
        int r;

        r = random_bytes(u, sizeof u);
        if (r < 0)
                return r;
        u[6] = (uint8_t) ((u[6] & 0x0f) | 0x40); /* version 4 */
        u[8] = (uint8_t) ((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        snprintf(ret, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
                 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        return 0;
}
