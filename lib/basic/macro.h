/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Small macro kit in the systemd style: cleanup attributes, TAKE_PTR, array sizes.
 * Written for kshim; nothing here is copied from systemd.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>

#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _unused_ __attribute__((__unused__))
#define _pure_ __attribute__((__pure__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))
#define _noreturn_ __attribute__((__noreturn__))
#define _public_ __attribute__((__visibility__("default")))
#define _warn_unused_result_ __attribute__((__warn_unused_result__))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Hand ownership of a pointer out of a _cleanup_ scope. */
#define TAKE_PTR(p)                                                                                          \
        ({                                                                                                   \
                __typeof__(p) _tp_ = (p);                                                                    \
                (p) = NULL;                                                                                  \
                _tp_;                                                                                        \
        })

#define TAKE_FD(fd)                                                                                          \
        ({                                                                                                   \
                int _tfd_ = (fd);                                                                            \
                (fd) = -1;                                                                                   \
                _tfd_;                                                                                       \
        })

/* Define foop(), a cleanup function for a pointer to a pointer, calling func() on non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                              \
        static inline void func##p(type *p) {                                                                \
                if (*p)                                                                                      \
                        func(*p);                                                                            \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -1;
}

static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* free() that returns NULL, for `p = mfree(p);` */
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

/* libc -1/errno to negative errno */
#define RET_NERRNO(expr)                                                                                     \
        ({                                                                                                   \
                int _r_ = (expr);                                                                            \
                _r_ < 0 ? -errno : _r_;                                                                      \
        })

/* errno of the last failed call as a negative value, never 0 */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

static inline int streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static inline const char *strempty(const char *s) {
        return s ? s : "";
}

static inline int isempty(const char *s) {
        return !s || !*s;
}

static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

/* Declare the string table lookups for an enum whose values run 0.._MAX-1. */
#define DEFINE_STRING_TABLE_LOOKUP(name, type)                                                               \
        const char *name##_to_string(type i) {                                                               \
                if ((int) i < 0 || (size_t) i >= ELEMENTSOF(name##_table))                                   \
                        return NULL;                                                                         \
                return name##_table[i];                                                                      \
        }                                                                                                    \
        type name##_from_string(const char *s) {                                                             \
                if (!s)                                                                                      \
                        return (type) - EINVAL;                                                              \
                for (size_t _i = 0; _i < ELEMENTSOF(name##_table); _i++)                                     \
                        if (name##_table[_i] && streq(name##_table[_i], s))                                  \
                                return (type) _i;                                                            \
                return (type) - EINVAL;                                                                      \
        }
