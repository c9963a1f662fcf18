/* SPDX-License-Identifier: Apache-2.0 */

/*
 * kshim-store: offline inspection and maintenance of a store directory (the API server must not be
 * running: the store's lock file is honoured).
 *
 *   kshim-store check DIR    replay snapshot + log read-only; report records, revision, corruption
 *   kshim-store dump DIR     one JSON object per key and line: key, create_revision, mod_revision, value
 *   kshim-store compact DIR  write a snapshot of the current state and start an empty log
 *
 * Exit status: 0 ok, 1 check found a torn/corrupt tail (the next open truncates it), 2 error.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "macro.h"
#include "store-internal.h"
#include "store.h"

static int open_ro(const char *dir, StoreReplayReport *rep, Store **ret) {
        StoreOptions o = { .dir = dir };
        int r;

        r = store_open_full(&o, STORE_OPEN_READ_ONLY, rep, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to open store '%s': %m", dir);
        return 0;
}

static int verb_check(const char *dir) {
        _cleanup_(store_freep) Store *s = NULL;
        StoreReplayReport rep = {};
        StoreStats st;
        int r;

        r = open_ro(dir, &rep, &s);
        if (r < 0)
                return 2;
        store_get_stats(s, &st);
        if (rep.have_snapshot)
                printf("snapshot: revision %" PRIu64 ", %" PRIu64 " keys\n", rep.snapshot_revision, rep.snapshot_keys);
        else
                printf("snapshot: none\n");
        printf("log: %" PRIu64 " records replayed, %" PRIu64 " skipped (covered by the snapshot), %" PRIu64
               " good bytes\n",
               rep.log_records, rep.log_skipped, rep.log_good_bytes);
        printf("revision: %" PRIu64 "\nkeys: %" PRIu64 "\noldest revision: %" PRIu64 "\n", store_revision(s),
               st.n_keys, store_oldest_revision(s));
        if (rep.log_torn_bytes > 0) {
                printf("corruption: %" PRIu64 " bytes after offset %" PRIu64 " (%s); the next open truncates them\n",
                       rep.log_torn_bytes, rep.log_good_bytes, rep.torn_reason);
                return 1;
        }
        printf("corruption: none\n");
        return 0;
}

static int verb_dump(const char *dir) {
        _cleanup_(store_freep) Store *s = NULL;
        StoreValue *v;

        if (open_ro(dir, NULL, &s) < 0)
                return 2;
        for (size_t i = 0; (v = store_nth(s, i)); i++) {
                json_object *o = json_object_new_object();

                if (!o)
                        return log_oom(), 2;
                json_object_object_add(o, "key", json_object_new_string_len(v->key, (int) v->key_len));
                json_object_object_add(o, "create_revision", json_object_new_int64((int64_t) v->create_revision));
                json_object_object_add(o, "mod_revision", json_object_new_int64((int64_t) v->mod_revision));
                json_object_object_add(o, "value", json_object_new_string_len(v->data, (int) v->len));
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
        }
        return fflush(stdout) == 0 ? 0 : 2;
}

static int verb_compact(const char *dir) {
        _cleanup_(store_freep) Store *s = NULL;
        StoreOptions o = { .dir = dir };
        int r;

        r = store_open(&o, &s);
        if (r < 0)
                return log_error_errno(r, "Failed to open store '%s': %m", dir), 2;
        r = store_snapshot(s);
        if (r < 0)
                return log_error_errno(r, "Failed to compact store '%s': %m", dir), 2;
        printf("snapshot written at revision %" PRIu64 ", log emptied\n", store_revision(s));
        return 0;
}

static const struct {
        const char *name;
        int (*fn)(const char *dir);
} verbs[] = {
        { "check", verb_check },
        { "dump", verb_dump },
        { "compact", verb_compact },
};

int main(int argc, char *argv[]) {
        log_set_ident("kshim-store");

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: %s check|dump|compact DIR\n", argv[0]);
                return 0;
        }
        if (argc != 3) {
                fprintf(stderr, "Usage: %s check|dump|compact DIR\n", argv[0]);
                return 2;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[1], verbs[i].name))
                        return verbs[i].fn(argv[2]);
        fprintf(stderr, "Unknown command '%s'.\n", argv[1]);
        return 2;
}
