/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The embedded, file-backed store behind store.h. Design notes.
 *
 * ON DISK. The state directory holds:
 *     lock       flock()ed: exclusive by a writable store, shared by read-only inspection (kshim-store)
 *     snapshot   (optional) the full key space at one revision, written atomically
 *     wal        the write-ahead log: every write after the snapshot's revision, in revision order
 *   Both files are sequences of records:
 *     header (12 bytes, little endian): u32 magic "KSR1" | u32 payload length | u32 CRC-32C of payload
 *     payload: u64 revision | u64 create_revision | u32 key length | u32 value length | u8 op | key | value
 *   op is PUT or DELETE in the log. A snapshot is BEGIN(revision R, key = format name), one PUT per key
 *   in key order (revision = mod_revision), END(revision R, create_revision = number of keys).
 *
 * INVARIANTS.
 *   1. Log records carry consecutive revisions; the first one after the snapshot is snapshot.R + 1.
 *      Records at or below R may precede them (a crash between writing the snapshot and starting the
 *      new segment) and are skipped. A CRC-valid record that breaks the sequence is corruption, not a
 *      torn tail: open fails with -EBADMSG rather than silently dropping durable data.
 *   2. Everything before s->log_offset in the wal is durable (fdatasync'ed) and applied in memory.
 *      A write is acknowledged (done callback) only after that; reads only see applied state.
 *   3. A torn tail (short header, bad magic, impossible length, short payload, bad CRC) can only be the
 *      last, never-acknowledged group commit: at open it is truncated (ftruncate + fsync) and logged.
 *      (Bit rot in the middle of the log looks the same and is truncated too; that loses data, which
 *      is logged loudly. Checksummed replicas are etcd's business, not ours.)
 *   4. The snapshot is written to snapshot.tmp, fsync'ed, renamed, and the directory fsync'ed; then an
 *      empty wal.tmp is created the same way and renamed over wal. Any crash leaves either the old
 *      snapshot + full old log, or the new snapshot + a log whose old records are skipped (1.).
 *   5. In memory, history holds exactly the events compact_rev+1 .. revision (one event per revision).
 *      The state at any revision in [compact_rev, revision] is the current state with the events newer
 *      than it undone (each event carries the previous value). compact_rev advances when the ring
 *      exceeds history_max, and only over events every live watch has already been given.
 *
 * WRITES AND GROUP COMMIT. store_put/store_delete check the precondition against the latest state,
 * i.e. durable state overlaid with the queued writes ("pending" hash), assign the next revision, append
 * to the queue and arm a defer source. That source (or store_flush) takes the whole queue, encodes it
 * into one buffer, writes it with pwrite at log_offset, and calls fdatasync once. On success it applies
 * the batch to the index and history, dispatches watches, then calls the done callbacks in revision
 * order. On failure every write of the batch gets the error and nothing is applied; the revisions are
 * reused by later writes.
 *
 * WRITE FAILURES. After a failed write or fdatasync the file contents past log_offset are unknown, and
 * after a failed fsync Linux may already have dropped the dirty pages and cleared the error. So we do
 * not trust the fd: close it, reopen the wal, ftruncate it back to log_offset and fsync it. If that
 * works the store accepts writes again (the failed ones are gone). If it does not, the store is
 * "broken": writes fail with the error until it is reopened (the replay at open then decides what
 * survived: a write reported as failed may reappear after a restart if even the repair failed, which
 * is the usual "unknown outcome" of a failed commit). Reads keep working throughout.
 *
 * IN MEMORY. The durable keys are a sorted array of StoreValue pointers (byte order = strcmp, keys
 * cannot contain NUL): get is O(log n), a prefix range is O(log n + k), count is O(log n), a write is
 * O(log n) plus an O(n) memmove of pointers (fine up to ~1e5-1e6 keys; a B-tree is the next step).
 * list at an older revision collects the oldest undone event per key newer than that revision
 * (O(events in window)), sorts them and merges them with the current range.
 *
 * WATCHES. A watch is a prefix and the next revision it wants. After each commit (and from a defer
 * source for newly created watches that must replay history) every watch walks the history ring from
 * its next revision: no gaps, revision order. Watches freed or cancelled while dispatching are only
 * marked dead and are freed once the outermost dispatch returns.
 *
 * Not re-entrant against store_free(): do not free the store from one of its callbacks.
 */

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-event.h>
#include <uthash.h>

#include "kshim-limits.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"
#include "store.h"

#define RECORD_MAGIC 0x3152534bu /* "KSR1" little endian */
#define RECORD_HEADER_SIZE 12u
#define RECORD_FIXED_SIZE 25u /* payload bytes before key and value */
#define RECORD_MAX_PAYLOAD (RECORD_FIXED_SIZE + KSHIM_STORE_MAX_KEY_BYTES + KSHIM_MAX_OBJECT_BYTES)
#define SNAPSHOT_FORMAT "kshim-store-snapshot-v1"

typedef enum RecordOp {
        RECORD_PUT = 1,
        RECORD_DELETE = 2,
        RECORD_SNAPSHOT_BEGIN = 3,
        RECORD_SNAPSHOT_END = 4,
} RecordOp;

typedef struct Record {
        RecordOp op;
        uint64_t revision;
        uint64_t create_revision;
        const char *key;
        uint32_t key_len;
        const char *value;
        uint32_t value_len;
} Record;

/* The latest state of a key that has queued writes. */
typedef struct Pending {
        char *key;
        bool exists;
        uint64_t create_revision;
        uint64_t mod_revision;
        UT_hash_handle hh;
} Pending;

typedef struct Write Write;
struct Write {
        Write *next;
        StoreEventType type;
        uint64_t revision;
        StoreValue *value; /* PUT: the new value; DELETE: NULL */
        char *key;         /* DELETE only */
        store_write_done_t done;
        void *userdata;
};

struct StoreWatch {
        Store *store; /* NULL once the store is gone */
        StoreWatch *prev, *next;
        char *prefix;
        size_t prefix_len;
        uint64_t next_rev;
        store_watch_cb_t cb;
        void *userdata;
        bool dead;
};

struct Store {
        int dir_fd;
        int lock_fd;
        int log_fd;
        bool read_only;
        bool no_sync;

        sd_event *event;
        sd_event_source *commit_source;
        sd_event_source *dispatch_source;

        /* durable state */
        uint64_t revision;
        StoreValue **keys; /* sorted by key */
        size_t n_keys, n_keys_alloc;

        /* history ring: events compact_rev+1 .. revision */
        StoreEvent *hist;
        size_t hist_alloc, hist_start, hist_n;
        uint64_t compact_rev;
        uint64_t history_max;

        /* log */
        uint64_t log_offset;
        uint64_t snapshot_threshold;
        uint64_t snapshot_retry_at; /* after a failed snapshot: do not retry before the log reaches this */
        int broken;     /* < 0: log could not be repaired, writes refused */
        int last_error; /* of the last failed group commit (store_flush's return) */

        /* queued writes */
        Write *queue_head, *queue_tail;
        size_t n_queued;
        uint64_t queued_bytes; /* keys + values of the queued writes */
        Pending *pending;
        bool in_commit;

        StoreWatch *watches;
        unsigned dispatching;
        bool watches_dead;

        StoreFault fault;
        int fault_error;

        StoreStats stats;
};

/* ---- CRC-32C ---- */

static uint32_t crc32c_table[256];

static void crc32c_init(void) {
        if (crc32c_table[1])
                return;
        for (uint32_t i = 0; i < 256; i++) {
                uint32_t c = i;
                for (int k = 0; k < 8; k++)
                        c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
                crc32c_table[i] = c;
        }
}

uint32_t store_crc32c(uint32_t crc, const void *data, size_t len) {
        const uint8_t *p = data;

        crc32c_init();
        crc = ~crc;
        while (len-- > 0)
                crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
        return ~crc;
}

/* ---- values ---- */

static StoreValue *store_value_new(const char *key, size_t key_len, const char *data, size_t len,
                                   uint64_t create_revision, uint64_t mod_revision) {
        StoreValue *v;

        v = malloc(sizeof(StoreValue) + key_len + 1 + len + 1);
        if (!v)
                return NULL;
        *v = (StoreValue) {
                .n_ref = 1,
                .create_revision = create_revision,
                .mod_revision = mod_revision,
                .key_len = key_len,
                .len = len,
                .key = (char *) (v + 1),
        };
        v->data = v->key + key_len + 1;
        memcpy(v->key, key, key_len);
        v->key[key_len] = 0;
        if (len > 0)
                memcpy(v->data, data, len);
        v->data[len] = 0;
        return v;
}

StoreValue *store_value_ref(StoreValue *v) {
        if (!v)
                return NULL;
        assert(v->n_ref > 0);
        v->n_ref++;
        return v;
}

StoreValue *store_value_unref(StoreValue *v) {
        if (!v)
                return NULL;
        assert(v->n_ref > 0);
        if (--v->n_ref == 0)
                free(v);
        return NULL;
}

static const char *event_key(const StoreEvent *ev) {
        return ev->value ? ev->value->key : ev->prev->key;
}

/* ---- sorted index ---- */

/* First index whose key is >= key; *ret_found if equal. */
static size_t index_lower_bound(Store *s, const char *key, bool *ret_found) {
        size_t lo = 0, hi = s->n_keys;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(s->keys[mid]->key, key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (ret_found)
                *ret_found = lo < s->n_keys && streq(s->keys[lo]->key, key);
        return lo;
}

/* First index whose key does not start with prefix and sorts after it. */
static size_t index_prefix_end(Store *s, const char *prefix, size_t prefix_len) {
        size_t lo = 0, hi = s->n_keys;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strncmp(s->keys[mid]->key, prefix, prefix_len) <= 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static StoreValue *index_find(Store *s, const char *key) {
        bool found;
        size_t i = index_lower_bound(s, key, &found);
        return found ? s->keys[i] : NULL;
}

static int index_reserve(Store *s, size_t extra) {
        size_t need = s->n_keys + extra;
        StoreValue **k;

        if (need <= s->n_keys_alloc)
                return 0;
        need = MAX(need, MAX(s->n_keys_alloc * 2, (size_t) 64));
        k = realloc(s->keys, need * sizeof(StoreValue *));
        if (!k)
                return -ENOMEM;
        s->keys = k;
        s->n_keys_alloc = need;
        return 0;
}

/* Takes a reference of v. Returns the replaced value (owned by the caller) or NULL. Capacity must have
 * been reserved. */
static StoreValue *index_put(Store *s, StoreValue *v) {
        bool found;
        size_t i = index_lower_bound(s, v->key, &found);
        StoreValue *old;

        if (found) {
                old = s->keys[i];
                s->keys[i] = store_value_ref(v);
                return old;
        }
        assert(s->n_keys < s->n_keys_alloc);
        memmove(s->keys + i + 1, s->keys + i, (s->n_keys - i) * sizeof(StoreValue *));
        s->keys[i] = store_value_ref(v);
        s->n_keys++;
        return NULL;
}

/* Returns the removed value (owned by the caller) or NULL. */
static StoreValue *index_remove(Store *s, const char *key) {
        bool found;
        size_t i = index_lower_bound(s, key, &found);
        StoreValue *old;

        if (!found)
                return NULL;
        old = s->keys[i];
        memmove(s->keys + i, s->keys + i + 1, (s->n_keys - i - 1) * sizeof(StoreValue *));
        s->n_keys--;
        return old;
}

/* ---- history ring ---- */

static int history_reserve(Store *s, size_t extra) {
        size_t need = s->hist_n + extra, n;
        StoreEvent *h;

        if (need <= s->hist_alloc)
                return 0;
        n = MAX(need, MAX(s->hist_alloc * 2, (size_t) 64));
        h = malloc(n * sizeof(StoreEvent));
        if (!h)
                return -ENOMEM;
        for (size_t i = 0; i < s->hist_n; i++)
                h[i] = s->hist[(s->hist_start + i) % s->hist_alloc];
        free(s->hist);
        s->hist = h;
        s->hist_alloc = n;
        s->hist_start = 0;
        return 0;
}

static const StoreEvent *history_get(Store *s, uint64_t rev) {
        if (rev <= s->compact_rev || rev > s->revision)
                return NULL;
        return &s->hist[(s->hist_start + (rev - s->compact_rev - 1)) % s->hist_alloc];
}

/* Takes ownership of the references in ev. Capacity must have been reserved. */
static void history_push(Store *s, StoreEvent ev) {
        assert(s->hist_n < s->hist_alloc);
        s->hist[(s->hist_start + s->hist_n) % s->hist_alloc] = ev;
        s->hist_n++;
}

static void history_pop(Store *s) {
        StoreEvent *ev = &s->hist[s->hist_start];

        assert(s->hist_n > 0);
        store_value_unref(ev->value);
        store_value_unref(ev->prev);
        s->hist_start = (s->hist_start + 1) % s->hist_alloc;
        s->hist_n--;
        s->compact_rev++;
}

/* Lowest revision a live watch still has to be given (UINT64_MAX if none). */
static uint64_t watches_min_next(Store *s) {
        uint64_t m = UINT64_MAX;

        for (StoreWatch *w = s->watches; w; w = w->next)
                if (!w->dead)
                        m = MIN(m, w->next_rev);
        return m;
}

/* Drop events up to target (and beyond history_max), never ones a live watch still needs. */
static void history_trim(Store *s, uint64_t target) {
        uint64_t keep_from = watches_min_next(s);

        while (s->hist_n > 0) {
                uint64_t front = s->compact_rev + 1;
                if (front >= keep_from)
                        break;
                if (front > target && s->hist_n <= s->history_max)
                        break;
                history_pop(s);
        }
}

/* Apply one durable write: index + history. Capacity reserved beforehand; cannot fail. */
static void apply_event(Store *s, StoreEventType type, uint64_t revision, StoreValue *value, const char *key) {
        StoreValue *prev;

        if (type == STORE_EVENT_PUT)
                prev = index_put(s, value);
        else
                prev = index_remove(s, key);
        history_push(s, (StoreEvent) {
                .type = type,
                .revision = revision,
                .value = store_value_ref(value),
                .prev = prev,
        });
        s->revision = revision;
}

/* ---- records ---- */

static size_t record_size(size_t key_len, size_t value_len) {
        return RECORD_HEADER_SIZE + RECORD_FIXED_SIZE + key_len + value_len;
}

static uint8_t *put_le32(uint8_t *p, uint32_t v) {
        v = htole32(v);
        memcpy(p, &v, 4);
        return p + 4;
}

static uint8_t *put_le64(uint8_t *p, uint64_t v) {
        v = htole64(v);
        memcpy(p, &v, 8);
        return p + 8;
}

static uint32_t get_le32(const uint8_t *p) {
        uint32_t v;
        memcpy(&v, p, 4);
        return le32toh(v);
}

static uint64_t get_le64(const uint8_t *p) {
        uint64_t v;
        memcpy(&v, p, 8);
        return le64toh(v);
}

/* Encode one record at p (record_size() bytes); returns the end. */
static uint8_t *record_encode(uint8_t *p, RecordOp op, uint64_t revision, uint64_t create_revision,
                              const char *key, size_t key_len, const char *value, size_t value_len) {
        uint8_t *payload = p + RECORD_HEADER_SIZE, *q = payload;
        size_t payload_len = RECORD_FIXED_SIZE + key_len + value_len;

        q = put_le64(q, revision);
        q = put_le64(q, create_revision);
        q = put_le32(q, (uint32_t) key_len);
        q = put_le32(q, (uint32_t) value_len);
        *q++ = (uint8_t) op;
        if (key_len > 0)
                memcpy(q, key, key_len);
        q += key_len;
        if (value_len > 0)
                memcpy(q, value, value_len);
        q += value_len;

        p = put_le32(p, RECORD_MAGIC);
        p = put_le32(p, (uint32_t) payload_len);
        (void) put_le32(p, store_crc32c(0, payload, payload_len));
        return q;
}

/* Parse the record at buf[off]. 0 and *ret_next on success; -EBADMSG with a static *ret_reason. */
static int record_parse(const uint8_t *buf, size_t size, size_t off, Record *ret, size_t *ret_next,
                        const char **ret_reason) {
        const uint8_t *h = buf + off, *p;
        uint32_t len, key_len, value_len;

        if (size - off < RECORD_HEADER_SIZE)
                return *ret_reason = "short header", -EBADMSG;
        if (get_le32(h) != RECORD_MAGIC)
                return *ret_reason = "bad magic", -EBADMSG;
        len = get_le32(h + 4);
        if (len < RECORD_FIXED_SIZE || len > RECORD_MAX_PAYLOAD)
                return *ret_reason = "bad length", -EBADMSG;
        if (size - off - RECORD_HEADER_SIZE < len)
                return *ret_reason = "short payload", -EBADMSG;
        p = h + RECORD_HEADER_SIZE;
        if (store_crc32c(0, p, len) != get_le32(h + 8))
                return *ret_reason = "bad checksum", -EBADMSG;
        key_len = get_le32(p + 16);
        value_len = get_le32(p + 20);
        if ((uint64_t) RECORD_FIXED_SIZE + key_len + value_len != len)
                return *ret_reason = "inconsistent lengths", -EBADMSG;
        *ret = (Record) {
                .revision = get_le64(p),
                .create_revision = get_le64(p + 8),
                .key_len = key_len,
                .value_len = value_len,
                .op = (RecordOp) p[24],
                .key = (const char *) p + RECORD_FIXED_SIZE,
                .value = (const char *) p + RECORD_FIXED_SIZE + key_len,
        };
        *ret_next = off + RECORD_HEADER_SIZE + len;
        return 0;
}

static bool key_valid(const char *key, size_t key_len) {
        return key_len > 0 && key_len <= KSHIM_STORE_MAX_KEY_BYTES && !memchr(key, 0, key_len);
}

/* ---- file helpers ---- */

static int read_full_file(int dir_fd, const char *name, uint8_t **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size < 0 || (uint64_t) st.st_size > SIZE_MAX - 1)
                return -EFBIG;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static int write_all_at(int fd, const void *buf, size_t len, uint64_t off) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t k = pwrite(fd, p, len, (off_t) off);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                len -= (size_t) k;
                off += (uint64_t) k;
        }
        return 0;
}

/* mkdir -p; when the last component is new, fsync its parent so the directory entry is durable. */
static int mkdir_parents(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        _cleanup_close_ int parent_fd = -1;
        char *slash;

        if (!p)
                return -ENOMEM;
        for (char *c = p + 1; *c; c++) {
                if (*c != '/')
                        continue;
                *c = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *c = '/';
        }
        if (mkdir(p, 0700) < 0)
                return errno == EEXIST ? 0 : -errno;

        slash = strrchr(p, '/');
        if (slash == p)
                slash[1] = 0;
        else if (slash)
                *slash = 0;
        parent_fd = open(slash ? p : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent_fd < 0 || fsync(parent_fd) < 0)
                return -errno;
        return 0;
}

/* ---- replay ---- */

static int load_snapshot_buf(Store *s, const uint8_t *buf, size_t size, StoreReplayReport *report) {
        size_t off = 0, next;
        uint64_t snap_rev = 0, n = 0;
        bool begun = false, ended = false;
        const char *reason = NULL;
        Record rec;
        int r;

        while (off < size) {
                r = record_parse(buf, size, off, &rec, &next, &reason);
                if (r < 0)
                        return log_error_errno(r, "Store snapshot corrupt at offset %zu: %s", off, reason);
                if (ended)
                        return log_error_errno(-EBADMSG, "Store snapshot has data after its end record.");

                if (!begun) {
                        if (rec.op != RECORD_SNAPSHOT_BEGIN || rec.key_len != strlen(SNAPSHOT_FORMAT) ||
                            memcmp(rec.key, SNAPSHOT_FORMAT, rec.key_len) != 0)
                                return log_error_errno(-EBADMSG, "Store snapshot has an unknown format.");
                        snap_rev = rec.revision;
                        begun = true;
                } else if (rec.op == RECORD_SNAPSHOT_END) {
                        if (rec.revision != snap_rev || rec.create_revision != n)
                                return log_error_errno(-EBADMSG, "Store snapshot end record does not match.");
                        ended = true;
                } else if (rec.op == RECORD_PUT) {
                        StoreValue *v;

                        if (!key_valid(rec.key, rec.key_len) || rec.revision > snap_rev ||
                            rec.create_revision > rec.revision || rec.create_revision == 0 ||
                            rec.value_len > KSHIM_MAX_OBJECT_BYTES)
                                return log_error_errno(-EBADMSG, "Store snapshot record at %zu is invalid.", off);
                        v = store_value_new(rec.key, rec.key_len, rec.value, rec.value_len, rec.create_revision,
                                            rec.revision);
                        if (!v)
                                return -ENOMEM;
                        /* keys are in strictly increasing order, so this appends */
                        if (s->n_keys > 0 && strcmp(s->keys[s->n_keys - 1]->key, v->key) >= 0) {
                                store_value_unref(v);
                                return log_error_errno(-EBADMSG, "Store snapshot keys are out of order.");
                        }
                        r = index_reserve(s, 1);
                        if (r < 0) {
                                store_value_unref(v);
                                return r;
                        }
                        (void) index_put(s, v);
                        store_value_unref(v);
                        n++;
                } else
                        return log_error_errno(-EBADMSG, "Store snapshot record at %zu has op %u.", off,
                                               (unsigned) rec.op);
                off = next;
        }
        if (!ended)
                return log_error_errno(-EBADMSG, "Store snapshot is incomplete.");

        s->revision = s->compact_rev = snap_rev;
        report->have_snapshot = true;
        report->snapshot_revision = snap_rev;
        report->snapshot_keys = n;
        return 0;
}

static int replay_log_buf(Store *s, const uint8_t *buf, size_t size, StoreReplayReport *report) {
        size_t off = 0, next;
        const char *reason = NULL;
        Record rec;
        int r;

        while (off < size) {
                _cleanup_(store_value_unrefp) StoreValue *v = NULL;
                _cleanup_free_ char *key = NULL;

                if (record_parse(buf, size, off, &rec, &next, &reason) < 0)
                        break;
                if (rec.op != RECORD_PUT && rec.op != RECORD_DELETE)
                        return log_error_errno(-EBADMSG, "Store log record at %zu has op %u.", off,
                                               (unsigned) rec.op);
                if (!key_valid(rec.key, rec.key_len) || rec.value_len > KSHIM_MAX_OBJECT_BYTES)
                        return log_error_errno(-EBADMSG, "Store log record at %zu is invalid.", off);
                if (rec.revision <= report->snapshot_revision) {
                        report->log_skipped++;
                        off = next;
                        continue;
                }
                if (rec.revision != s->revision + 1)
                        return log_error_errno(-EBADMSG,
                                               "Store log record at %zu has revision %" PRIu64 ", expected %" PRIu64
                                               "; refusing to drop durable data (see kshim-store check).",
                                               off, rec.revision, s->revision + 1);

                key = strndup(rec.key, rec.key_len);
                if (!key)
                        return -ENOMEM;
                if (rec.op == RECORD_PUT) {
                        StoreValue *old = index_find(s, key);
                        uint64_t create = old ? old->create_revision : rec.revision;

                        if (rec.create_revision != create)
                                return log_error_errno(-EBADMSG,
                                                       "Store log record at %zu has a wrong create revision.", off);
                        v = store_value_new(rec.key, rec.key_len, rec.value, rec.value_len, create, rec.revision);
                        if (!v)
                                return -ENOMEM;
                } else if (!index_find(s, key))
                        return log_error_errno(-EBADMSG, "Store log record at %zu deletes a missing key.", off);

                r = index_reserve(s, 1);
                if (r < 0)
                        return r;
                r = history_reserve(s, 1);
                if (r < 0)
                        return r;
                apply_event(s, rec.op == RECORD_PUT ? STORE_EVENT_PUT : STORE_EVENT_DELETE, rec.revision, v, key);
                history_trim(s, 0);
                report->log_records++;
                off = next;
        }

        report->log_good_bytes = off;
        s->log_offset = off;
        if (off < size) {
                report->log_torn_bytes = size - off;
                report->torn_reason = reason;
                if (s->read_only)
                        log_warning("Store log has a torn or corrupt tail at offset %zu (%zu bytes, %s).", off,
                                    size - off, reason);
                else
                        log_warning("Store log has a torn or corrupt tail at offset %zu (%zu bytes, %s), "
                                    "truncating.",
                                    off, size - off, reason);
        }
        return 0;
}

static int load_snapshot(Store *s, StoreReplayReport *report) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = read_full_file(s->dir_fd, STORE_SNAPSHOT_FILE, &buf, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read store snapshot: %m");
        return load_snapshot_buf(s, buf, size, report);
}

static int replay_log(Store *s, StoreReplayReport *report) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = read_full_file(s->dir_fd, STORE_LOG_FILE, &buf, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read store log: %m");
        return replay_log_buf(s, buf, size, report);
}

/* ---- log file ---- */

static int fsync_dir(Store *s) {
        if (s->no_sync)
                return 0;
        return RET_NERRNO(fsync(s->dir_fd));
}

static int log_open(Store *s) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        bool created = false;

        fd = openat(s->dir_fd, STORE_LOG_FILE, O_RDWR | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                fd = openat(s->dir_fd, STORE_LOG_FILE, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                created = true;
        }
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if ((uint64_t) st.st_size != s->log_offset) {
                if (ftruncate(fd, (off_t) s->log_offset) < 0)
                        return -errno;
                if (!s->no_sync && fsync(fd) < 0)
                        return -errno;
        }
        if (created) {
                int r = fsync_dir(s);
                if (r < 0)
                        return r;
        }
        safe_close(s->log_fd);
        s->log_fd = TAKE_FD(fd);
        return 0;
}

/* After a failed write or sync: forget the fd, cut the file back to the last durable offset. */
static void log_repair(Store *s) {
        int r;

        s->log_fd = safe_close(s->log_fd);
        if (s->fault == STORE_FAULT_REPAIR)
                r = s->fault_error;
        else
                r = log_open(s);
        s->fault = STORE_FAULT_NONE;
        if (r < 0) {
                s->broken = r;
                log_error_errno(r, "Failed to truncate the store log back to offset %" PRIu64
                                   ", refusing writes until reopened: %m",
                                s->log_offset);
        } else
                log_warning("Store log truncated back to offset %" PRIu64 " after a failed write.", s->log_offset);
}

static int log_append(Store *s, const uint8_t *buf, size_t len) {
        StoreFault fault = s->fault;
        int r;

        if (fault == STORE_FAULT_WRITE) {
                s->fault = STORE_FAULT_NONE;
                return s->fault_error;
        }
        if (fault == STORE_FAULT_SHORT_WRITE) {
                s->fault = STORE_FAULT_NONE;
                (void) write_all_at(s->log_fd, buf, len / 2, s->log_offset);
                return s->fault_error;
        }

        r = write_all_at(s->log_fd, buf, len, s->log_offset);
        if (r < 0)
                return r;

        s->stats.n_syncs++;
        if (fault == STORE_FAULT_SYNC || fault == STORE_FAULT_REPAIR) {
                if (fault == STORE_FAULT_SYNC)
                        s->fault = STORE_FAULT_NONE;
                return s->fault_error;
        }
        if (!s->no_sync && fdatasync(s->log_fd) < 0)
                return -errno;
        return 0;
}

/* ---- snapshot ---- */

typedef struct Buf {
        uint8_t *data;
        size_t len, alloc;
} Buf;

static uint8_t *buf_grow(Buf *b, size_t n) {
        uint8_t *p;

        if (b->len + n > b->alloc) {
                size_t a = MAX(b->len + n, MAX(b->alloc * 2, (size_t) 65536));
                p = realloc(b->data, a);
                if (!p)
                        return NULL;
                b->data = p;
                b->alloc = a;
        }
        p = b->data + b->len;
        b->len += n;
        return p;
}

static int buf_flush(Buf *b, int fd, uint64_t *off) {
        int r = write_all_at(fd, b->data, b->len, *off);
        if (r < 0)
                return r;
        *off += b->len;
        b->len = 0;
        return 0;
}

static int buf_record(Buf *b, RecordOp op, uint64_t revision, uint64_t create_revision, const char *key,
                      size_t key_len, const char *value, size_t value_len) {
        uint8_t *p = buf_grow(b, record_size(key_len, value_len));
        if (!p)
                return -ENOMEM;
        (void) record_encode(p, op, revision, create_revision, key, key_len, value, value_len);
        return 0;
}

static int snapshot_write_file(Store *s) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *data = NULL;
        Buf b = {};
        uint64_t off = 0;
        int r;

        fd = openat(s->dir_fd, STORE_SNAPSHOT_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;

        r = buf_record(&b, RECORD_SNAPSHOT_BEGIN, s->revision, 0, SNAPSHOT_FORMAT, strlen(SNAPSHOT_FORMAT), NULL, 0);
        for (size_t i = 0; r >= 0 && i < s->n_keys; i++) {
                StoreValue *v = s->keys[i];
                r = buf_record(&b, RECORD_PUT, v->mod_revision, v->create_revision, v->key, v->key_len, v->data,
                               v->len);
                if (r >= 0 && b.len >= 1024 * 1024)
                        r = buf_flush(&b, fd, &off);
        }
        if (r >= 0)
                r = buf_record(&b, RECORD_SNAPSHOT_END, s->revision, s->n_keys, NULL, 0, NULL, 0);
        if (r >= 0)
                r = buf_flush(&b, fd, &off);
        data = b.data;
        if (r >= 0 && !s->no_sync && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(s->dir_fd, STORE_SNAPSHOT_FILE ".tmp", s->dir_fd, STORE_SNAPSHOT_FILE) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(s->dir_fd, STORE_SNAPSHOT_FILE ".tmp", 0);
                return r;
        }
        return fsync_dir(s);
}

/* Replace the log by an empty segment. Only called with the snapshot covering all of it. */
static int log_new_segment(Store *s) {
        _cleanup_close_ int fd = -1;
        int r;

        fd = openat(s->dir_fd, STORE_LOG_FILE ".tmp", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (!s->no_sync && fsync(fd) < 0)
                r = -errno;
        else if (renameat(s->dir_fd, STORE_LOG_FILE ".tmp", s->dir_fd, STORE_LOG_FILE) < 0)
                r = -errno;
        else
                r = fsync_dir(s);
        if (r < 0) {
                (void) unlinkat(s->dir_fd, STORE_LOG_FILE ".tmp", 0);
                return r;
        }
        safe_close(s->log_fd);
        s->log_fd = TAKE_FD(fd);
        s->log_offset = 0;
        return 0;
}

int store_snapshot(Store *s) {
        int r;

        if (!s)
                return -EINVAL;
        if (s->read_only)
                return -EROFS;
        if (s->broken < 0)
                return s->broken;

        r = snapshot_write_file(s);
        if (r < 0)
                return log_warning_errno(r, "Failed to write store snapshot, keeping the log: %m");
        /* From here on the snapshot covers everything; the old log is only a fallback. */
        r = log_new_segment(s);
        if (r < 0)
                return log_warning_errno(r, "Failed to start a new store log segment, appending to the old one: %m");
        s->stats.n_snapshots++;
        s->snapshot_retry_at = 0;
        log_debug("Store snapshot at revision %" PRIu64 " with %zu keys.", s->revision, s->n_keys);
        return 0;
}

/* ---- watches ---- */

static void watch_unlink_free(StoreWatch *w) {
        Store *s = w->store;

        if (s) {
                if (w->prev)
                        w->prev->next = w->next;
                else
                        s->watches = w->next;
                if (w->next)
                        w->next->prev = w->prev;
        }
        free(w->prefix);
        free(w);
}

static void watches_gc(Store *s) {
        StoreWatch *w, *n;

        if (!s->watches_dead || s->dispatching > 0)
                return;
        for (w = s->watches; w; w = n) {
                n = w->next;
                if (w->dead)
                        watch_unlink_free(w);
        }
        s->watches_dead = false;
}

static void watches_dispatch(Store *s) {
        s->dispatching++;
        for (StoreWatch *w = s->watches; w; w = w->next)
                while (!w->dead && w->next_rev <= s->revision) {
                        const StoreEvent *ev = history_get(s, w->next_rev);

                        if (!ev) {
                                /* cannot happen: the ring keeps what live watches need */
                                log_error("Store watch on '%s' lost history at revision %" PRIu64 ", cancelling.",
                                          w->prefix, w->next_rev);
                                w->dead = s->watches_dead = true;
                                break;
                        }
                        w->next_rev++;
                        if (!strneq(event_key(ev), w->prefix, w->prefix_len))
                                continue;
                        if (w->cb(w, ev, w->userdata) < 0)
                                w->dead = s->watches_dead = true;
                }
        s->dispatching--;
        watches_gc(s);
}

static int on_dispatch(sd_event_source *source, void *userdata) {
        Store *s = userdata;

        watches_dispatch(s);
        history_trim(s, 0);
        return 0;
}

int store_watch(Store *s, const char *prefix, uint64_t from_revision, store_watch_cb_t cb, void *userdata,
                StoreWatch **ret) {
        StoreWatch *w;

        if (!s || !prefix || !cb || !ret)
                return -EINVAL;
        if (from_revision != 0 && from_revision < s->compact_rev)
                return -ESTALE;
        if (!s->dispatch_source)
                return -EROFS;

        w = calloc(1, sizeof(StoreWatch));
        if (!w)
                return -ENOMEM;
        w->prefix = strdup(prefix);
        if (!w->prefix) {
                free(w);
                return -ENOMEM;
        }
        w->prefix_len = strlen(prefix);
        w->next_rev = (from_revision == 0 ? s->revision : from_revision) + 1;
        w->cb = cb;
        w->userdata = userdata;
        w->store = s;
        w->next = s->watches;
        if (s->watches)
                s->watches->prev = w;
        s->watches = w;

        if (w->next_rev <= s->revision)
                (void) sd_event_source_set_enabled(s->dispatch_source, SD_EVENT_ONESHOT);
        *ret = w;
        return 0;
}

StoreWatch *store_watch_free(StoreWatch *w) {
        if (!w)
                return NULL;
        if (w->store && w->store->dispatching > 0) {
                /* freed from a callback: keep the node until the dispatch loop has moved on */
                w->dead = w->store->watches_dead = true;
                return NULL;
        }
        watch_unlink_free(w);
        return NULL;
}

/* ---- writes ---- */

static Write *write_free(Write *w) {
        if (!w)
                return NULL;
        store_value_unref(w->value);
        free(w->key);
        free(w);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(Write *, write_free);

static const char *write_key(const Write *w) {
        return w->value ? w->value->key : w->key;
}

static void pending_clear(Store *s) {
        Pending *p, *tmp;

        HASH_ITER(hh, s->pending, p, tmp) {
                HASH_DEL(s->pending, p);
                free(p->key);
                free(p);
        }
}

/* Latest state of key: queued writes first, then durable state. */
static bool latest_state(Store *s, const char *key, uint64_t *ret_create, uint64_t *ret_mod) {
        Pending *p;
        StoreValue *v;

        HASH_FIND_STR(s->pending, key, p);
        if (p) {
                *ret_create = p->create_revision;
                *ret_mod = p->mod_revision;
                return p->exists;
        }
        v = index_find(s, key);
        if (!v)
                return false;
        *ret_create = v->create_revision;
        *ret_mod = v->mod_revision;
        return true;
}

static int pending_set(Store *s, const char *key, bool exists, uint64_t create, uint64_t mod) {
        Pending *p;

        HASH_FIND_STR(s->pending, key, p);
        if (!p) {
                p = calloc(1, sizeof(Pending));
                if (!p)
                        return -ENOMEM;
                p->key = strdup(key);
                if (!p->key) {
                        free(p);
                        return -ENOMEM;
                }
                HASH_ADD_KEYPTR(hh, s->pending, p->key, strlen(p->key), p);
        }
        p->exists = exists;
        p->create_revision = create;
        p->mod_revision = mod;
        return 0;
}

static void store_commit(Store *s) {
        _cleanup_free_ uint8_t *buf = NULL;
        Write *batch, *w, *n;
        size_t len = 0, n_batch = s->n_queued;
        uint64_t last = 0;
        uint8_t *p;
        int r;

        if (!s->queue_head)
                return;

        /* Take the whole queue; writes queued from the callbacks below form the next batch. */
        batch = s->queue_head;
        s->queue_head = s->queue_tail = NULL;
        s->n_queued = 0;
        s->queued_bytes = 0;
        pending_clear(s);
        s->in_commit = true;

        r = s->broken;
        if (r >= 0)
                r = index_reserve(s, n_batch);
        if (r >= 0)
                r = history_reserve(s, n_batch);
        for (w = batch; r >= 0 && w; w = w->next)
                len += record_size(strlen(write_key(w)), w->value ? w->value->len : 0);
        if (r >= 0) {
                buf = malloc(len);
                if (!buf)
                        r = -ENOMEM;
        }
        if (r >= 0) {
                p = buf;
                for (w = batch; w; w = w->next)
                        if (w->value)
                                p = record_encode(p, RECORD_PUT, w->revision, w->value->create_revision,
                                                  w->value->key, w->value->key_len, w->value->data, w->value->len);
                        else
                                p = record_encode(p, RECORD_DELETE, w->revision, 0, w->key, strlen(w->key), NULL, 0);
                assert(p == buf + len);

                r = log_append(s, buf, len);
                if (r < 0) {
                        log_warning_errno(r, "Failed to make %zu store writes durable: %m", n_batch);
                        log_repair(s);
                }
        }

        if (r < 0) {
                s->stats.n_write_errors++;
                s->last_error = r;
                for (w = batch; w; w = n) {
                        n = w->next;
                        if (w->done)
                                w->done(s, r, 0, NULL, w->userdata);
                        write_free(w);
                }
                s->in_commit = false;
                return;
        }

        s->log_offset += len;
        s->stats.n_commits++;
        s->stats.n_records += n_batch;
        for (w = batch; w; w = w->next) {
                apply_event(s, w->type, w->revision, w->value, write_key(w));
                last = w->revision;
        }
        assert(last == s->revision);

        watches_dispatch(s);
        history_trim(s, 0);

        for (w = batch; w; w = n) {
                n = w->next;
                if (w->done)
                        w->done(s, 0, w->revision, w->value, w->userdata);
                write_free(w);
        }

        if (s->snapshot_threshold > 0 && s->log_offset >= s->snapshot_threshold &&
            s->log_offset >= s->snapshot_retry_at && store_snapshot(s) < 0)
                /* do not retry on every commit: wait for another threshold's worth of log */
                s->snapshot_retry_at = s->log_offset + s->snapshot_threshold;
        s->in_commit = false;
}

static int on_commit(sd_event_source *source, void *userdata) {
        store_commit(userdata);
        return 0;
}

static int queue_write(Store *s, StoreEventType type, const char *key, const char *data, size_t len,
                       uint64_t expect_mod_revision, store_write_done_t done, void *userdata) {
        _cleanup_(write_freep) Write *w = NULL;
        uint64_t create = 0, mod = 0, rev;
        size_t key_len;
        bool exists;
        int r;

        if (!s || !key || (type == STORE_EVENT_PUT && !data && len > 0))
                return -EINVAL;
        if (s->read_only)
                return -EROFS;
        key_len = strlen(key);
        if (!key_valid(key, key_len))
                return -EINVAL;
        if (len > KSHIM_MAX_OBJECT_BYTES)
                return -E2BIG;
        if (s->broken < 0)
                return s->broken;
        if (s->n_queued >= KSHIM_STORE_MAX_PENDING_WRITES)
                return -EBUSY;
        /* bound the memory held by queued writes; a single write is always accepted */
        if (s->n_queued > 0 && s->queued_bytes + key_len + len > STORE_MAX_PENDING_BYTES)
                return -EBUSY;

        /* put: MUST_NOT_EXIST = create, ANY = unconditional upsert, else CAS on an existing key;
         * delete: the key must exist, and match unless ANY */
        exists = latest_state(s, key, &create, &mod);
        if (type == STORE_EVENT_PUT && expect_mod_revision == STORE_MUST_NOT_EXIST) {
                if (exists)
                        return -EEXIST;
        } else if (type == STORE_EVENT_PUT && expect_mod_revision == STORE_ANY_REVISION)
                ;
        else if (!exists)
                return -ENOENT;
        else if (expect_mod_revision != STORE_ANY_REVISION && expect_mod_revision != mod)
                return -EAGAIN;

        rev = s->revision + s->n_queued + 1;
        w = calloc(1, sizeof(Write));
        if (!w)
                return -ENOMEM;
        w->type = type;
        w->revision = rev;
        w->done = done;
        w->userdata = userdata;
        if (type == STORE_EVENT_PUT) {
                w->value = store_value_new(key, key_len, data, len, exists ? create : rev, rev);
                if (!w->value)
                        return -ENOMEM;
        } else {
                w->key = strdup(key);
                if (!w->key)
                        return -ENOMEM;
        }

        /* Arming twice is harmless, and an armed source with an empty queue does nothing. */
        r = sd_event_source_set_enabled(s->commit_source, SD_EVENT_ONESHOT);
        if (r < 0)
                return r;
        r = pending_set(s, key, type == STORE_EVENT_PUT, exists ? create : rev, rev);
        if (r < 0)
                return r;

        if (s->queue_tail)
                s->queue_tail->next = w;
        else
                s->queue_head = w;
        s->queue_tail = TAKE_PTR(w);
        s->n_queued++;
        s->queued_bytes += key_len + len;
        return 0;
}

int store_put(Store *s, const char *key, const char *data, size_t len, uint64_t expect_mod_revision,
              store_write_done_t done, void *userdata) {
        return queue_write(s, STORE_EVENT_PUT, key, data, len, expect_mod_revision, done, userdata);
}

int store_delete(Store *s, const char *key, uint64_t expect_mod_revision, store_write_done_t done, void *userdata) {
        return queue_write(s, STORE_EVENT_DELETE, key, NULL, 0, expect_mod_revision, done, userdata);
}

int store_flush(Store *s) {
        int r = 0;

        if (!s)
                return -EINVAL;
        if (s->in_commit || s->dispatching > 0)
                return -EDEADLK; /* called from a store callback */

        while (s->queue_head) {
                (void) sd_event_source_set_enabled(s->commit_source, SD_EVENT_OFF);
                s->last_error = 0;
                store_commit(s);
                if (s->last_error < 0)
                        r = s->last_error;
        }
        return r;
}

/* ---- reads ---- */

uint64_t store_revision(Store *s) {
        return s ? s->revision : 0;
}

uint64_t store_oldest_revision(Store *s) {
        return s ? s->compact_rev + 1 : 0;
}

int store_get(Store *s, const char *key, StoreValue **ret) {
        StoreValue *v;

        if (!s || !key || !ret)
                return -EINVAL;
        v = index_find(s, key);
        if (!v)
                return -ENOENT;
        *ret = store_value_ref(v);
        return 0;
}

StoreValue *store_nth(Store *s, size_t i) {
        return s && i < s->n_keys ? s->keys[i] : NULL;
}

size_t store_count(Store *s, const char *prefix) {
        size_t len;

        if (!s)
                return 0;
        prefix = strempty(prefix);
        len = strlen(prefix);
        return index_prefix_end(s, prefix, len) - index_lower_bound(s, prefix, NULL);
}

/* The value a key had at the list revision, for keys changed after it. */
typedef struct Override {
        const char *key;   /* borrowed from the history */
        StoreValue *value; /* borrowed; NULL = absent at that revision */
        UT_hash_handle hh;
} Override;

static int override_cmp(const void *a, const void *b) {
        return strcmp((*(Override *const *) a)->key, (*(Override *const *) b)->key);
}

static void overrides_free(Override **h) {
        Override *o, *tmp;

        HASH_ITER(hh, *h, o, tmp) {
                HASH_DEL(*h, o);
                free(o);
        }
}

int store_list(Store *s, const char *prefix, const char *start_after, size_t limit, uint64_t rev,
               StoreValue ***ret_items, size_t *ret_n, uint64_t *ret_revision, bool *ret_more) {
        _cleanup_(overrides_free) Override *overrides = NULL;
        _cleanup_free_ Override **ov = NULL;
        StoreValue **items = NULL;
        size_t n = 0, n_alloc = 0, n_ov = 0, i, j = 0, prefix_len;
        bool more = false;

        if (!s || !ret_items || !ret_n)
                return -EINVAL;
        prefix = strempty(prefix);
        prefix_len = strlen(prefix);
        if (rev == 0)
                rev = s->revision;
        if (rev > s->revision)
                return -ERANGE;
        if (rev < s->compact_rev)
                return -ESTALE;

        /* Undo the events newer than rev: the oldest of them per key holds the value at rev. */
        for (uint64_t r = rev + 1; r <= s->revision; r++) {
                const StoreEvent *ev = history_get(s, r);
                const char *key = event_key(ev);
                Override *o;

                if (!strneq(key, prefix, prefix_len) || (start_after && strcmp(key, start_after) <= 0))
                        continue;
                HASH_FIND_STR(overrides, key, o);
                if (o)
                        continue;
                o = calloc(1, sizeof(Override));
                if (!o)
                        return -ENOMEM;
                o->key = key;
                o->value = ev->prev;
                HASH_ADD_KEYPTR(hh, overrides, o->key, strlen(o->key), o);
                n_ov++;
        }
        if (n_ov > 0) {
                Override *o, *tmp;
                size_t k = 0;

                ov = malloc(n_ov * sizeof(Override *));
                if (!ov)
                        return -ENOMEM;
                HASH_ITER(hh, overrides, o, tmp)
                        ov[k++] = o;
                qsort(ov, n_ov, sizeof(Override *), override_cmp);
        }

        /* Start at the later of the prefix start and the first key after start_after. */
        i = index_lower_bound(s, prefix, NULL);
        if (start_after) {
                bool found;
                size_t a = index_lower_bound(s, start_after, &found);
                if (found)
                        a++;
                i = MAX(i, a);
        }

        /* Merge the current keys with the overrides, both in key order. */
        for (;;) {
                const char *ki = i < s->n_keys && strneq(s->keys[i]->key, prefix, prefix_len) ? s->keys[i]->key : NULL;
                const char *kj = j < n_ov ? ov[j]->key : NULL;
                StoreValue *v;

                if (!ki && !kj)
                        break;
                if (ki && (!kj || strcmp(ki, kj) < 0))
                        v = s->keys[i++];
                else {
                        if (ki && streq(ki, kj))
                                i++;
                        v = ov[j++]->value;
                        if (!v)
                                continue;
                }
                if (limit > 0 && n >= limit) {
                        more = true;
                        break;
                }
                if (n >= n_alloc) {
                        size_t a = MAX(n_alloc * 2, (size_t) 16);
                        StoreValue **t = realloc(items, a * sizeof(StoreValue *));
                        if (!t) {
                                for (size_t k = 0; k < n; k++)
                                        store_value_unref(items[k]);
                                free(items);
                                return -ENOMEM;
                        }
                        items = t;
                        n_alloc = a;
                }
                items[n++] = store_value_ref(v);
        }

        if (!items) {
                items = malloc(sizeof(StoreValue *));
                if (!items)
                        return -ENOMEM;
        }
        *ret_items = items;
        *ret_n = n;
        if (ret_revision)
                *ret_revision = rev;
        if (ret_more)
                *ret_more = more;
        return 0;
}

int store_compact(Store *s, uint64_t rev) {
        if (!s)
                return -EINVAL;
        history_trim(s, MIN(rev, s->revision));
        return 0;
}

void store_get_stats(Store *s, StoreStats *ret) {
        if (!s || !ret)
                return;
        *ret = s->stats;
        ret->log_bytes = s->log_offset;
        ret->n_keys = s->n_keys;
        ret->n_pending = s->n_queued;
}

void store_set_snapshot_threshold(Store *s, uint64_t bytes) {
        if (s)
                s->snapshot_threshold = bytes;
}

void store_inject_fault(Store *s, StoreFault fault, int error) {
        if (!s)
                return;
        s->fault = fault;
        s->fault_error = error < 0 ? error : -EIO;
}

/* ---- open / free ---- */

Store *store_free(Store *s) {
        Write *w, *n;
        StoreWatch *sw, *sn;

        if (!s)
                return NULL;

        /* Writes still queued were never made durable: complete them with -ECANCELED. */
        w = s->queue_head;
        s->queue_head = s->queue_tail = NULL;
        s->n_queued = 0;
        s->queued_bytes = 0;
        pending_clear(s);
        for (; w; w = n) {
                n = w->next;
                if (w->done)
                        w->done(s, -ECANCELED, 0, NULL, w->userdata);
                write_free(w);
        }

        /* Live watches are detached, not freed: their owners still hold them and free them later. */
        for (sw = s->watches; sw; sw = sn) {
                sn = sw->next;
                sw->store = NULL;
                sw->prev = sw->next = NULL;
                if (sw->dead)
                        watch_unlink_free(sw);
        }
        s->watches = NULL;

        sd_event_source_disable_unref(s->commit_source);
        sd_event_source_disable_unref(s->dispatch_source);
        sd_event_unref(s->event);

        for (size_t i = 0; i < s->n_keys; i++)
                store_value_unref(s->keys[i]);
        free(s->keys);
        while (s->hist_n > 0)
                history_pop(s);
        free(s->hist);

        safe_close(s->log_fd);
        safe_close(s->lock_fd);
        safe_close(s->dir_fd);
        return mfree(s);
}

static int store_lock(Store *s) {
        _cleanup_close_ int fd = -1;

        if (s->read_only)
                fd = openat(s->dir_fd, STORE_LOCK_FILE, O_RDONLY | O_CLOEXEC);
        else
                fd = openat(s->dir_fd, STORE_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return s->read_only && errno == ENOENT ? 0 : -errno;
        if (flock(fd, (s->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        s->lock_fd = TAKE_FD(fd);
        return 0;
}

int store_open_full(const StoreOptions *opts, StoreOpenFlags flags, StoreReplayReport *ret_report, Store **ret) {
        _cleanup_(store_freep) Store *s = NULL;
        StoreReplayReport report = {};
        int r;

        if (!opts || isempty(opts->dir) || !ret)
                return -EINVAL;

        s = calloc(1, sizeof(Store));
        if (!s)
                return -ENOMEM;
        s->dir_fd = s->lock_fd = s->log_fd = -1;
        s->read_only = flags & STORE_OPEN_READ_ONLY;
        s->no_sync = opts->no_sync;
        s->history_max = opts->history_events > 0 ? opts->history_events : KSHIM_WATCH_HISTORY_EVENTS;
        s->snapshot_threshold = STORE_SNAPSHOT_THRESHOLD_BYTES;

        if (!s->read_only) {
                r = mkdir_parents(opts->dir);
                if (r < 0)
                        return log_debug_errno(r, "Failed to create store directory '%s': %m", opts->dir);
        }
        s->dir_fd = open(opts->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dir_fd < 0)
                return log_debug_errno(errno, "Failed to open store directory '%s': %m", opts->dir);

        r = store_lock(s);
        if (r < 0)
                return log_debug_errno(r, "Failed to lock store directory '%s': %m", opts->dir);

        r = load_snapshot(s, &report);
        if (r < 0)
                return r;
        r = replay_log(s, &report);
        if (r < 0)
                return r;

        if (!s->read_only) {
                (void) unlinkat(s->dir_fd, STORE_SNAPSHOT_FILE ".tmp", 0);
                (void) unlinkat(s->dir_fd, STORE_LOG_FILE ".tmp", 0);

                r = log_open(s); /* creates the log, cuts a torn tail */
                if (r < 0)
                        return log_error_errno(r, "Failed to open store log in '%s': %m", opts->dir);
                r = fsync_dir(s); /* the lock and log files may be new */
                if (r < 0)
                        return log_error_errno(r, "Failed to sync store directory '%s': %m", opts->dir);

                if (opts->event)
                        s->event = sd_event_ref(opts->event);
                else {
                        r = sd_event_default(&s->event);
                        if (r < 0)
                                return r;
                }
                r = sd_event_add_defer(s->event, &s->commit_source, on_commit, s);
                if (r < 0)
                        return r;
                /* Slightly below normal priority, so the writes of all ready requests join one commit. */
                (void) sd_event_source_set_priority(s->commit_source, SD_EVENT_PRIORITY_NORMAL + 1);
                (void) sd_event_source_set_description(s->commit_source, "store-commit");
                r = sd_event_source_set_enabled(s->commit_source, SD_EVENT_OFF);
                if (r < 0)
                        return r;

                r = sd_event_add_defer(s->event, &s->dispatch_source, on_dispatch, s);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(s->dispatch_source, "store-watch-dispatch");
                r = sd_event_source_set_enabled(s->dispatch_source, SD_EVENT_OFF);
                if (r < 0)
                        return r;
        }

        log_debug("Store '%s' open at revision %" PRIu64 " with %zu keys (%" PRIu64 " log records replayed).",
                  opts->dir, s->revision, s->n_keys, report.log_records);
        if (ret_report)
                *ret_report = report;
        *ret = TAKE_PTR(s);
        return 0;
}

int store_open(const StoreOptions *opts, Store **ret) {
        return store_open_full(opts, 0, NULL, ret);
}

/* ---- self-checks (tests, fuzzing) ---- */

int store_verify(Store *s) {
        if (!s)
                return -EINVAL;
        if (s->compact_rev > s->revision || s->hist_n != s->revision - s->compact_rev)
                return -EUCLEAN;
        for (size_t i = 0; i < s->n_keys; i++) {
                StoreValue *v = s->keys[i];

                if (v->n_ref == 0 || !key_valid(v->key, v->key_len) || strlen(v->key) != v->key_len ||
                    v->data[v->len] != 0 || v->create_revision == 0 || v->create_revision > v->mod_revision ||
                    v->mod_revision > s->revision)
                        return -EUCLEAN;
                if (i > 0 && strcmp(s->keys[i - 1]->key, v->key) >= 0)
                        return -EUCLEAN;
        }
        for (uint64_t r = s->compact_rev + 1; r <= s->revision; r++) {
                const StoreEvent *ev = history_get(s, r);

                if (!ev || ev->revision != r || (ev->type == STORE_EVENT_PUT) != !!ev->value ||
                    (ev->type == STORE_EVENT_DELETE && !ev->prev) ||
                    (ev->value && ev->value->mod_revision != r) || (ev->prev && ev->prev->mod_revision >= r))
                        return -EUCLEAN;
        }
        return 0;
}

int store_replay_buffers(const void *snapshot, size_t snapshot_size, const void *log, size_t log_size,
                         uint64_t history_events, StoreReplayReport *ret_report) {
        _cleanup_(store_freep) Store *s = NULL;
        StoreReplayReport report = {};
        int r;

        s = calloc(1, sizeof(Store));
        if (!s)
                return -ENOMEM;
        s->dir_fd = s->lock_fd = s->log_fd = -1;
        s->read_only = true;
        s->history_max = history_events > 0 ? history_events : KSHIM_WATCH_HISTORY_EVENTS;

        if (snapshot) {
                r = load_snapshot_buf(s, snapshot, snapshot_size, &report);
                if (r < 0)
                        return r;
        }
        if (log) {
                r = replay_log_buf(s, log, log_size, &report);
                if (r < 0)
                        return r;
        }
        r = store_verify(s);
        if (r < 0)
                return r;
        if (ret_report)
                *ret_report = report;
        return 0;
}
