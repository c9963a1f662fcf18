/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Logging. Program code logs once, at the place that decides; library code stays quiet or logs at debug.
 * log_*_errno() return the negative errno they were given, so `return log_error_errno(r, "...: %m");`
 * works. Output goes to stderr; under systemd (JOURNAL_STREAM set) lines carry <N> priority prefixes so
 * journald records the level.
 */

#include <syslog.h>
#include "macro.h"

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_ident(const char *ident);
int log_parse_level(const char *s);

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...)
        _printf_(6, 7);

#define log_full_errno(level, error, ...)                                                                    \
        ({                                                                                                   \
                int _level = (level), _e = (error);                                                          \
                (log_get_max_level() >= _level)                                                              \
                        ? log_internal(_level, _e, __FILE__, __LINE__, __func__, __VA_ARGS__)                \
                        : -(_e < 0 ? -_e : _e);                                                              \
        })

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
