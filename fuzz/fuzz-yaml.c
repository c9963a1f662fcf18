/* SPDX-License-Identifier: Apache-2.0 */

/* yaml_to_json(): must never crash or blow up; its output must be valid JSON within the same bounds. */

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

        r = yaml_to_json((const char *) data, size, &o, &err);
        if (r < 0) {
                FUZZ_ASSERT(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
                FUZZ_ASSERT(r == -ENOMEM || err);
                return 0;
        }

        s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "null";
        FUZZ_ASSERT(s);
        r = json_parse(s, strlen(s), &again, &err2);
        /* YAML scalars may carry bytes that are not UTF-8; JSON parsing refuses those, nothing else */
        if (r < 0 && !(err2 && strstr(err2, "utf-8")))
                fprintf(stderr, "JSON from YAML does not parse: '%s': %s\n", s, err2 ? err2 : "?");
        FUZZ_ASSERT(r >= 0 || (err2 && strstr(err2, "utf-8")));
        return 0;
}
