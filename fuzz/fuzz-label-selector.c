/* SPDX-License-Identifier: Apache-2.0 */

/* label_selector_parse(): no crash; the canonical string form parses back to itself. */

#include <stdio.h>

#include "fuzz.h"
#include "selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(label_selector_freep) LabelSelector *sel = NULL, *again = NULL;
        _cleanup_(json_object_putp) json_object *labels = NULL;
        _cleanup_free_ char *in = NULL, *err = NULL, *out = NULL, *out2 = NULL, *err2 = NULL;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        in = fuzz_strndup(data, size);
        if (!in)
                return 0;

        r = label_selector_parse(in, &sel, &err);
        if (r < 0) {
                FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
                FUZZ_ASSERT(r == -ENOMEM || err);
                return 0;
        }

        out = label_selector_to_string(sel);
        FUZZ_ASSERT(out);
        r = label_selector_parse(out, &again, &err2);
        if (r < 0)
                fprintf(stderr, "canonical form '%s' of '%s' does not parse: %s\n", out, in, err2 ? err2 : "?");
        FUZZ_ASSERT(r >= 0);
        out2 = label_selector_to_string(again);
        FUZZ_ASSERT(out2);
        FUZZ_ASSERT(streq(out, out2));

        labels = json_object_new_object();
        if (labels) {
                json_object_object_add(labels, "app", json_object_new_string("web"));
                json_object_object_add(labels, "tier", json_object_new_string("5"));
                /* the same answer before and after the round trip */
                FUZZ_ASSERT(label_selector_matches(sel, labels) == label_selector_matches(again, labels));
                FUZZ_ASSERT(label_selector_matches(sel, NULL) == label_selector_matches(again, NULL));
        }
        FUZZ_ASSERT(label_selector_is_empty(sel) == (out[0] == 0));
        return 0;
}
