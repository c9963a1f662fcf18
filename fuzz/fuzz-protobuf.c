/* SPDX-License-Identifier: Apache-2.0 */

/* Protobuf body decoding: no crash, only the documented errors, and every accepted body yields a JSON object
 * that carries kind/apiVersion, serializes, and parses back strictly (valid UTF-8, no NUL, bounded depth).
 * The same bytes are also decoded as bare messages of a few schema types (skipping the envelope), so the
 * fuzzer reaches the message decoder directly. */

#include <errno.h>

#include "fuzz.h"
#include "json-util.h"
#include "protobuf.h"

static void check_result(int r, json_object *o, char *err) {
        FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -EOPNOTSUPP || r == -ENOMEM);
        if (r < 0) {
                FUZZ_ASSERT(!o);
                FUZZ_ASSERT(err || r == -ENOMEM);
                return;
        }
        FUZZ_ASSERT(!err);
        FUZZ_ASSERT(json_object_is_type(o, json_type_object));

        /* what we produce must be acceptable to our own strict JSON parser */
        const char *s = json_to_string_plain(o);
        json_object *back = NULL;
        FUZZ_ASSERT(json_parse(s, strlen(s), &back, NULL) == 0);
        FUZZ_ASSERT(json_object_equal(o, back));
        json_object_put(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const messages[] = { "Deployment", "CronJob", "Pod", "ObjectMeta", "Service" };
        json_object *o = NULL;
        char *err = NULL;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;

        r = k8s_protobuf_decode(data, size, &o, &err);
        check_result(r, o, err);
        if (r == 0) {
                FUZZ_ASSERT(json_get_string(o, "kind"));
                FUZZ_ASSERT(json_get_string(o, "apiVersion"));
        }
        json_object_put(o);
        free(err);

        /* bare message: the first byte picks the type */
        if (size > 0) {
                o = NULL;
                err = NULL;
                r = k8s_protobuf_decode_message(messages[data[0] % ELEMENTSOF(messages)], data + 1, size - 1, &o, &err);
                check_result(r, o, err);
                json_object_put(o);
                free(err);
        }
        return 0;
}
