/* SPDX-License-Identifier: Apache-2.0 */

/* json_parse(): must never crash; whatever it accepts must serialize and parse back. */

#include <stdio.h>

#include "fuzz.h"
#include "json-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(json_object_putp) json_object *o = NULL, *again = NULL;
        _cleanup_free_ char *err = NULL, *err2 = NULL;
        const char *s;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;

        r = json_parse((const char *) data, size, &o, &err);
        if (r < 0) {
                FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
                FUZZ_ASSERT(r == -ENOMEM || err);
                return 0;
        }

        s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "null";
        FUZZ_ASSERT(s);
        r = json_parse(s, strlen(s), &again, &err2);
        if (r < 0)
                fprintf(stderr, "re-parse of '%s' failed: %s\n", s, err2 ? err2 : "?");
        FUZZ_ASSERT(r >= 0);

        (void) json_get(o, "metadata.name");
        (void) json_get_string(o, "a.b");
        (void) json_get_int(o, "spec.replicas", 0);
        (void) json_get_bool(o, "x", false);
        return 0;
}
