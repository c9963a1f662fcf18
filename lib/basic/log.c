/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int max_level = LOG_INFO;
static const char *ident = "kshim";

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_ident(const char *i) {
        ident = i;
}

static const char *const level_table[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",  [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_parse_level(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(level_table); i++)
                if (streq(level_table[i], s))
                        return (int) i;
        return -EINVAL;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        int saved = errno;
        int e = error < 0 ? -error : error;
        char buf[2048];
        va_list ap;

        /* %m prints the error we were handed, not whatever errno happens to hold */
        errno = e;
        va_start(ap, format);
        vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);

        if (getenv("JOURNAL_STREAM"))
                fprintf(stderr, "<%d>%s\n", level, buf);
        else {
                struct timespec ts;
                struct tm tm;
                clock_gettime(CLOCK_REALTIME, &ts);
                gmtime_r(&ts.tv_sec, &tm);
                fprintf(stderr, "%02d:%02d:%02d.%03ld %s[%s]: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
                        ts.tv_nsec / 1000000, ident, level_table[level & 7], buf);
        }
        (void) file;
        (void) line;
        (void) func;
        errno = saved;
        return -e;
}
