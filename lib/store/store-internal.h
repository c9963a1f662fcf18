/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Store internals shared with the offline tool (kshim-store) and the unit tests. Not for the API
 * server: everything here is either read-only inspection or a test hook.
 */

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* File names inside the state directory. */
#define STORE_LOG_FILE "wal"
#define STORE_SNAPSHOT_FILE "snapshot"
#define STORE_LOCK_FILE "lock"

/* Bytes (keys + values) of writes queued and not yet durable: -EBUSY beyond, unless the queue is
 * empty. Bounds memory; with KSHIM_STORE_MAX_PENDING_WRITES. TODO: move to kshim-limits.h. */
#define STORE_MAX_PENDING_BYTES (64u * 1024u * 1024u)

/* Default size of the log segment that triggers a snapshot + new segment. */
#define STORE_SNAPSHOT_THRESHOLD_BYTES (64u * 1024u * 1024u)

typedef enum StoreOpenFlags {
        STORE_OPEN_READ_ONLY = 1 << 0, /* no directory creation, no truncation, shared lock; no writes */
} StoreOpenFlags;

/* What replay found (kshim-store check). */
typedef struct StoreReplayReport {
        bool have_snapshot;
        uint64_t snapshot_revision;
        uint64_t snapshot_keys;
        uint64_t log_records;   /* records applied from the log */
        uint64_t log_skipped;   /* records at or below the snapshot revision (left by a crash mid-compaction) */
        uint64_t log_good_bytes;
        uint64_t log_torn_bytes; /* bytes after the last good record (truncated unless read-only) */
        const char *torn_reason; /* static string, NULL if the tail was clean */
} StoreReplayReport;

int store_open_full(const StoreOptions *opts, StoreOpenFlags flags, StoreReplayReport *ret_report, Store **ret);

/* Iterate the durable keys in order (i = 0..n-1); returns a borrowed value or NULL past the end. */
StoreValue *store_nth(Store *s, size_t i);

/* Check the in-memory invariants (sorted unique keys, revisions, history ring): 0 or -EUCLEAN. */
int store_verify(Store *s);

/* Replay a snapshot and/or log image from memory (NULL = absent), verify, discard (fuzzing). Returns
 * what open would: 0, or -EBADMSG for corruption that is not a torn tail; -EUCLEAN is a bug. */
int store_replay_buffers(const void *snapshot, size_t snapshot_size, const void *log, size_t log_size,
                         uint64_t history_events, StoreReplayReport *ret_report);

/* Snapshot trigger (bytes of log segment); 0 = never. Tests use small values. */
void store_set_snapshot_threshold(Store *s, uint64_t bytes);

/* ---- fault injection (tests only) ---- */
typedef enum StoreFault {
        STORE_FAULT_NONE,
        STORE_FAULT_WRITE,       /* the log write fails with the given error, nothing written */
        STORE_FAULT_SHORT_WRITE, /* half the batch is written, then the write fails with the error */
        STORE_FAULT_SYNC,        /* the batch is written, then fdatasync fails with the error */
        STORE_FAULT_REPAIR,      /* like SYNC, and the truncation that repairs the log fails too */
        _STORE_FAULT_MAX,
} StoreFault;

/* Arm a one-shot fault for the next group commit; error is a negative errno. */
void store_inject_fault(Store *s, StoreFault fault, int error);

/* CRC-32C (Castagnoli), exposed for tests. */
uint32_t store_crc32c(uint32_t crc, const void *data, size_t len);
