/* SPDX-License-Identifier: Apache-2.0 */

/* Quantity parsing: no crash, the milli and integer views agree on rounding, canonical forms round-trip. */

#include <stdio.h>

#include "fuzz.h"
#include "quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *in = NULL;
        int64_t milli = 0, value = 0;
        uint64_t bytes = 0;
        int r1, r2, r3;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        in = fuzz_strndup(data, size);
        if (!in)
                return 0;

        r1 = k8s_quantity_parse(in, &milli);
        r2 = k8s_quantity_parse_value(in, &value);
        r3 = k8s_quantity_parse_bytes(in, &bytes);
        FUZZ_ASSERT(r1 == 0 || r1 == -EINVAL || r1 == -ERANGE || r1 == -ENOMEM);
        FUZZ_ASSERT(r2 == 0 || r2 == -EINVAL || r2 == -ERANGE || r2 == -ENOMEM);

        /* syntax errors are syntax errors in every view */
        FUZZ_ASSERT((r1 == -EINVAL) == (r2 == -EINVAL));
        /* what fits in milli-units fits as a plain value */
        if (r1 == 0)
                FUZZ_ASSERT(r2 == 0);

        if (r1 == 0 && milli != INT64_MIN) {
                /* rounding away from zero twice equals rounding once: ceil(ceil(1000x)/1000) = ceil(x) */
                int64_t m = milli < 0 ? -milli : milli;
                int64_t v = m / 1000 + (m % 1000 != 0);
                FUZZ_ASSERT(value == (milli < 0 ? -v : v));
        }
        /* canonical forms parse back to the same value */
        if (r1 == 0)
                for (int binary = 0; binary <= 1; binary++) {
                        _cleanup_free_ char *f = k8s_quantity_format(milli, binary);
                        int64_t back = 0;

                        if (!f)
                                continue;
                        FUZZ_ASSERT(k8s_quantity_parse(f, &back) == 0);
                        FUZZ_ASSERT(back == milli);
                }
        if (r2 == 0 && value >= 0)
                FUZZ_ASSERT(r3 == 0 && bytes == (uint64_t) value);
        if (r2 == 0 && value < 0)
                FUZZ_ASSERT(r3 == -EINVAL);
        return 0;
}
