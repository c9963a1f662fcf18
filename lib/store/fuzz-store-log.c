/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Fuzz target: replay of an arbitrary snapshot or log image (the bytes a crash, a full disk or bit rot
 * can leave behind). The first input byte picks the file: even = log, odd = snapshot, the rest is its
 * content. Replay must either accept (truncating a torn tail) or refuse with -EBADMSG, never crash, and
 * what it accepts must satisfy the store's invariants (-EUCLEAN = bug).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "log.h"
#include "store-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StoreReplayReport rep;
        int r;

        if (size < 1)
                return 0;
        log_set_max_level(LOG_CRIT);

        if (data[0] & 1)
                r = store_replay_buffers(data + 1, size - 1, NULL, 0, 8, &rep);
        else
                r = store_replay_buffers(NULL, 0, data + 1, size - 1, 8, &rep);
        if (r == -EUCLEAN || (r < 0 && r != -EBADMSG && r != -ENOMEM)) {
                fprintf(stderr, "store replay: unexpected result %d\n", r);
                abort();
        }
        if (r >= 0 && !(data[0] & 1) && rep.log_good_bytes + rep.log_torn_bytes != size - 1) {
                fprintf(stderr, "store replay: %llu good + %llu torn != %zu\n",
                        (unsigned long long) rep.log_good_bytes, (unsigned long long) rep.log_torn_bytes, size - 1);
                abort();
        }
        return 0;
}
