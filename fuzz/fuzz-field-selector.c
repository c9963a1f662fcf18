/* SPDX-License-Identifier: Apache-2.0 */

/* field_selector_parse(): no crash; term accessors and matching stay consistent. */

#include <stdio.h>

#include "fuzz.h"
#include "selector.h"

static const char *getter(void *userdata, const char *field) {
        if (streq(field, "metadata.name"))
                return "web-1";
        if (streq(field, "spec.nodeName"))
                return userdata;
        return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(field_selector_freep) FieldSelector *sel = NULL;
        _cleanup_free_ char *in = NULL, *err = NULL;
        const char *exact;
        size_t n;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        in = fuzz_strndup(data, size);
        if (!in)
                return 0;

        r = field_selector_parse(in, &sel, &err);
        if (r < 0) {
                FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
                FUZZ_ASSERT(r == -ENOMEM || err);
                return 0;
        }

        n = field_selector_n_terms(sel);
        FUZZ_ASSERT(field_selector_is_empty(sel) == (n == 0));
        for (size_t i = 0; i < n; i++) {
                FUZZ_ASSERT(field_selector_term_field(sel, i));
                FUZZ_ASSERT(field_selector_term_value(sel, i));
        }
        FUZZ_ASSERT(!field_selector_term_field(sel, n));

        (void) field_selector_matches(sel, getter, (void *) "node-a");
        (void) field_selector_matches(sel, getter, NULL);

        /* an exact term for spec.nodeName means only objects with that value can match */
        exact = field_selector_exact_match(sel, "spec.nodeName");
        if (exact && field_selector_matches(sel, getter, (void *) "node-a"))
                FUZZ_ASSERT(streq(exact, "node-a"));
        return 0;
}
