/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The storage contract (docs/STORE.md). The API handlers depend on this header only, so a second
 * backend (etcd v3) can be added behind it without touching them.
 *
 * Model (the same as etcd v3's):
 *   - keys are byte strings such as "/pods/default/nginx"; values are opaque bytes (kshim stores the
 *     object's JSON *without* metadata.resourceVersion; the API layer fills that in from mod_revision
 *     on every read, as the Kubernetes etcd3 store does);
 *   - one global revision counter, incremented by every successful write; every key records the
 *     revision that created it (create_revision) and that last changed it (mod_revision);
 *   - reads: get one key, or range over a prefix in key order, at the latest revision or at an older
 *     revision still inside the history window (MVCC);
 *   - writes are compare-and-swap on mod_revision and complete asynchronously: the callback runs once
 *     the write is durable (fdatasync'ed), never before. Reads never see a write before it is durable;
 *   - watch: every change under a prefix after a revision, in revision order, with no gaps; a start
 *     revision older than the window gives -ESTALE (HTTP 410 Expired);
 *   - compaction discards history before a revision.
 *
 * Errors are negative errno values:
 *   -ENOENT      key absent (get, or update/delete of a missing key)
 *   -EEXIST      create of a key that exists
 *   -ESTALE      a revision older than the compacted/history window (410)
 *   -EAGAIN      mod_revision precondition failed (409 Conflict)
 *   -EBUSY       too many pending writes (429)
 *   -ENOSPC, -EIO, -EDQUOT  the write could not be made durable (507/500); the store keeps serving reads
 *   -E2BIG       value larger than KSHIM_MAX_OBJECT_BYTES (413)
 *   -EINVAL      empty key, key with a NUL byte, or key longer than KSHIM_STORE_MAX_KEY_BYTES
 *   -ERANGE      list at a revision newer than store_revision()
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sd_event sd_event;
typedef struct Store Store;
typedef struct StoreWatch StoreWatch;

/* A value as returned by a read. Reference counted and immutable, so a read can be shared by many
 * watchers and kept while the store moves on. */
typedef struct StoreValue {
        unsigned n_ref;
        uint64_t create_revision;
        uint64_t mod_revision;
        size_t key_len;
        size_t len;
        char *key;  /* NUL-terminated */
        char *data; /* NUL-terminated (len bytes + NUL) */
} StoreValue;

StoreValue *store_value_ref(StoreValue *v);
StoreValue *store_value_unref(StoreValue *v);
static inline void store_value_unrefp(StoreValue **v) {
        if (*v)
                store_value_unref(*v);
}

typedef enum StoreEventType {
        STORE_EVENT_PUT,    /* created or modified: prev == NULL means created */
        STORE_EVENT_DELETE, /* value == NULL, prev = the last value */
        _STORE_EVENT_TYPE_MAX,
} StoreEventType;

typedef struct StoreEvent {
        StoreEventType type;
        uint64_t revision;
        StoreValue *value; /* new value (PUT), NULL for DELETE */
        StoreValue *prev;  /* previous value, NULL for a create */
} StoreEvent;

typedef struct StoreOptions {
        const char *dir;          /* state directory; created if missing */
        sd_event *event;          /* the loop durable-write completions and watch events run on */
        uint64_t history_events;  /* watch/MVCC window, 0 = KSHIM_WATCH_HISTORY_EVENTS */
        bool no_sync;             /* tests and benches only: skip fdatasync (documented as unsafe) */
} StoreOptions;

int store_open(const StoreOptions *opts, Store **ret);
Store *store_free(Store *s); /* flushes nothing: callers drain first with store_flush() */
static inline void store_freep(Store **s) {
        if (*s)
                store_free(*s);
}

/* Block until every queued write is durable (used at shutdown and by tests). */
int store_flush(Store *s);

/* Latest durable revision. */
uint64_t store_revision(Store *s);
/* Oldest revision a watch or a list-at-revision may still start from. */
uint64_t store_oldest_revision(Store *s);

/* Read one key at the latest revision. */
int store_get(Store *s, const char *key, StoreValue **ret);

/*
 * Range over keys with the given prefix, in key order, starting strictly after start_after (NULL =
 * from the beginning), at revision rev (0 = latest). Returns up to limit items (0 = no limit) into
 * *ret_items (array of refs, caller unrefs each and frees the array), sets *ret_n, *ret_revision
 * (the revision the snapshot was taken at) and *ret_more (items remain after the last one returned).
 * rev older than the window: -ESTALE.
 */
int store_list(Store *s, const char *prefix, const char *start_after, size_t limit, uint64_t rev,
               StoreValue ***ret_items, size_t *ret_n, uint64_t *ret_revision, bool *ret_more);

/* Number of keys under prefix at the latest revision (for remainingItemCount). */
size_t store_count(Store *s, const char *prefix);

/* Completion of a write: r < 0 on failure (nothing was applied), else the new revision and, for puts,
 * the stored value (borrowed; ref it to keep it). */
typedef void (*store_write_done_t)(Store *s, int r, uint64_t revision, StoreValue *value, void *userdata);

/* Preconditions for writes. */
#define STORE_ANY_REVISION UINT64_MAX /* no precondition */
#define STORE_MUST_NOT_EXIST 0        /* create: key must be absent */

/*
 * Put data under key if the key's current mod_revision equals expect_mod_revision
 * (STORE_MUST_NOT_EXIST = must be absent, STORE_ANY_REVISION = unconditional).
 * The precondition is checked at call time against the latest state including writes still being made
 * durable, so a sequence of writes from one loop iteration is serialisable. Returns 0 when queued
 * (done will be called exactly once, from the event loop, never from inside this call) or a negative
 * errno at once (-EEXIST, -ENOENT, -EAGAIN, -EBUSY, -E2BIG) in which case done is not called.
 */
int store_put(Store *s, const char *key, const char *data, size_t len, uint64_t expect_mod_revision,
              store_write_done_t done, void *userdata);

/* Delete key if its mod_revision equals expect_mod_revision (or STORE_ANY_REVISION). Same completion
 * rules as store_put; done gets value = NULL. */
int store_delete(Store *s, const char *key, uint64_t expect_mod_revision, store_write_done_t done,
                 void *userdata);

/*
 * Watch every change to keys under prefix with revision > from_revision (from_revision = 0: changes
 * after the current revision only). Events arrive on the event loop, in revision order, with no gaps.
 * from_revision older than store_oldest_revision()-1: -ESTALE. The callback returns < 0 to have the
 * watch cancelled (e.g. the client went away or fell behind); the watch is then freed by the store.
 */
typedef int (*store_watch_cb_t)(StoreWatch *w, const StoreEvent *ev, void *userdata);
int store_watch(Store *s, const char *prefix, uint64_t from_revision, store_watch_cb_t cb, void *userdata,
                StoreWatch **ret);
StoreWatch *store_watch_free(StoreWatch *w);

/* Drop MVCC history at or below rev (it will be unavailable for list-at-revision and watch). */
int store_compact(Store *s, uint64_t rev);

/* ---- additions (implementation: lib/store/store.c; see docs/STORE.md) ---- */

/* Counters for tests, benches and /metrics. All are totals since store_open() except where noted. */
typedef struct StoreStats {
        uint64_t n_commits;         /* group commits that succeeded (one log write + one fdatasync each) */
        uint64_t n_syncs;           /* fdatasync() calls on the log (counted even when no_sync skips them) */
        uint64_t n_records;         /* records appended to the log */
        uint64_t n_write_errors;    /* group commits that failed (their writes got the error) */
        uint64_t n_snapshots;       /* snapshots written */
        uint64_t log_bytes;         /* current size of the log segment (not a total) */
        uint64_t n_keys;            /* current number of keys (not a total) */
        uint64_t n_pending;         /* writes queued but not yet durable (not a total) */
} StoreStats;
void store_get_stats(Store *s, StoreStats *ret);

/* Write a snapshot of the durable state now and start a new, empty log segment (compaction of the
 * files; the in-memory history window is unaffected). Runs synchronously. */
int store_snapshot(Store *s);
