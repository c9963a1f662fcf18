/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared bits of the libFuzzer targets: the entry point and the input cap. */

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define FUZZ_MAX_INPUT (64u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* NUL-terminated copy of the input, or NULL (caller frees). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                return NULL;
        if (size > 0)
                memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* A check that must hold; abort() so both libFuzzer and the replay test report it. */
#define FUZZ_ASSERT(x)                                                                                       \
        do {                                                                                                 \
                if (!(x)) {                                                                                  \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #x);            \
                        abort();                                                                             \
                }                                                                                            \
        } while (0)
