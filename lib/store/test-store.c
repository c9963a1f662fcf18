/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Unit tests for the file-backed store. Each test gets a fresh state directory under $TMPDIR (or
 * /var/tmp) and its own sd-event loop; writes are completed by running the loop until it is idle.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <systemd/sd-event.h>

#include "kshim-limits.h"
#include "macro.h"
#include "store-internal.h"
#include "store.h"

typedef struct Ctx {
        char dir[PATH_MAX];
        sd_event *event;
        Store *store;
        uint64_t history;
        bool sync;
} Ctx;

/* ---- helpers ---- */

static void rm_rf_flat(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
        (void) rmdir(dir);
}

static void ctx_open(Ctx *c) {
        StoreOptions o = {
                .dir = c->dir,
                .event = c->event,
                .history_events = c->history,
                .no_sync = !c->sync,
        };
        assert_int_equal(store_open(&o, &c->store), 0);
}

static void ctx_close(Ctx *c) {
        assert_int_equal(store_flush(c->store), 0);
        c->store = store_free(c->store);
}

static void ctx_reopen(Ctx *c) {
        ctx_close(c);
        ctx_open(c);
}

static int setup(void **state) {
        const char *tmp = getenv("TMPDIR");
        Ctx *c = calloc(1, sizeof(Ctx));

        assert_non_null(c);
        snprintf(c->dir, sizeof c->dir, "%s/kshim-test-store-XXXXXX", isempty(tmp) ? "/var/tmp" : tmp);
        assert_non_null(mkdtemp(c->dir));
        assert_int_equal(sd_event_new(&c->event), 0);
        ctx_open(c);
        *state = c;
        return 0;
}

static int teardown(void **state) {
        Ctx *c = *state;

        if (c->store)
                assert_int_equal(store_verify(c->store), 0);
        store_free(c->store);
        sd_event_unref(c->event);
        rm_rf_flat(c->dir);
        free(c);
        return 0;
}

/* small history window, re-opened */
static int setup_small_history(void **state) {
        Ctx *c;

        setup(state);
        c = *state;
        c->store = store_free(c->store);
        c->history = 4;
        ctx_open(c);
        return 0;
}

static int setup_sync(void **state) {
        Ctx *c;

        setup(state);
        c = *state;
        c->store = store_free(c->store);
        c->sync = true;
        ctx_open(c);
        return 0;
}

static void run(Ctx *c) {
        int r;

        while ((r = sd_event_run(c->event, 0)) > 0)
                ;
        assert_true(r >= 0);
}

typedef struct Done {
        unsigned calls;
        int r;
        uint64_t revision;
        uint64_t create_revision;
} Done;

static void on_done(Store *s, int r, uint64_t revision, StoreValue *value, void *userdata) {
        Done *d = userdata;

        d->calls++;
        d->r = r;
        d->revision = revision;
        d->create_revision = value ? value->create_revision : 0;
        if (r >= 0) /* durable and visible when the callback runs */
                assert_true(store_revision(s) >= revision);
        else
                assert_int_equal(revision, 0);
}

static uint64_t put_sync(Ctx *c, const char *key, const char *data, uint64_t expect) {
        Done d = {};

        assert_int_equal(store_put(c->store, key, data, strlen(data), expect, on_done, &d), 0);
        run(c);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.r, 0);
        return d.revision;
}

static uint64_t delete_sync(Ctx *c, const char *key) {
        Done d = {};

        assert_int_equal(store_delete(c->store, key, STORE_ANY_REVISION, on_done, &d), 0);
        run(c);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.r, 0);
        return d.revision;
}

static void assert_value(Store *s, const char *key, const char *data, uint64_t create, uint64_t mod) {
        _cleanup_(store_value_unrefp) StoreValue *v = NULL;

        assert_int_equal(store_get(s, key, &v), 0);
        assert_string_equal(v->key, key);
        assert_int_equal(v->key_len, strlen(key));
        assert_string_equal(v->data, data);
        assert_int_equal(v->len, strlen(data));
        if (create)
                assert_int_equal(v->create_revision, create);
        if (mod)
                assert_int_equal(v->mod_revision, mod);
}

static off_t file_size(Ctx *c, const char *name) {
        char p[PATH_MAX + 32];
        struct stat st;

        snprintf(p, sizeof p, "%s/%s", c->dir, name);
        if (stat(p, &st) < 0)
                return -1;
        return st.st_size;
}

typedef struct List {
        StoreValue **items;
        size_t n;
        uint64_t revision;
        bool more;
} List;

static void list_done(List *l) {
        for (size_t i = 0; i < l->n; i++)
                store_value_unref(l->items[i]);
        free(l->items);
        *l = (List) {};
}

static int list(Ctx *c, const char *prefix, const char *start_after, size_t limit, uint64_t rev, List *l) {
        *l = (List) {};
        return store_list(c->store, prefix, start_after, limit, rev, &l->items, &l->n, &l->revision, &l->more);
}

typedef struct Seen {
        uint64_t revs[256];
        char keys[256][32];
        StoreEventType types[256];
        unsigned n;
        unsigned cancel_after; /* return -1 at this many events (0 = never) */
        bool free_self_after;  /* store_watch_free() from the callback instead */
        StoreWatch *other;     /* freed from the callback */
        StoreWatch *w;
} Seen;

static int on_watch(StoreWatch *w, const StoreEvent *ev, void *userdata) {
        Seen *s = userdata;
        const char *key = ev->value ? ev->value->key : ev->prev->key;

        assert_true(s->n < ELEMENTSOF(s->revs));
        if (ev->type == STORE_EVENT_PUT)
                assert_non_null(ev->value);
        else {
                assert_null(ev->value);
                assert_non_null(ev->prev);
        }
        s->revs[s->n] = ev->revision;
        s->types[s->n] = ev->type;
        snprintf(s->keys[s->n], sizeof s->keys[0], "%s", key);
        s->n++;
        if (s->other) {
                store_watch_free(s->other);
                s->other = NULL;
        }
        if (s->cancel_after && s->n >= s->cancel_after) {
                if (s->free_self_after) {
                        store_watch_free(w);
                        return 0;
                }
                return -ECANCELED;
        }
        return 0;
}

/* ---- tests ---- */

static void test_crc32c(void **state) {
        assert_int_equal(store_crc32c(0, "123456789", 9), 0xe3069283u);
        assert_int_equal(store_crc32c(0, "", 0), 0);
}

static void test_crud(void **state) {
        Ctx *c = *state;
        StoreValue *v = NULL;
        Done d = {};
        char *big;

        assert_int_equal(store_revision(c->store), 0);

        /* queued, not yet durable: no callback, invisible to reads */
        assert_int_equal(store_put(c->store, "/pods/default/a", "one", 3, STORE_MUST_NOT_EXIST, on_done, &d), 0);
        assert_int_equal(d.calls, 0);
        assert_int_equal(store_get(c->store, "/pods/default/a", &v), -ENOENT);
        assert_int_equal(store_revision(c->store), 0);
        run(c);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.r, 0);
        assert_int_equal(d.revision, 1);
        assert_int_equal(d.create_revision, 1);
        assert_value(c->store, "/pods/default/a", "one", 1, 1);

        /* create of an existing key */
        assert_int_equal(store_put(c->store, "/pods/default/a", "x", 1, STORE_MUST_NOT_EXIST, on_done, &d), -EEXIST);
        /* CAS update */
        assert_int_equal(put_sync(c, "/pods/default/a", "two", 1), 2);
        assert_value(c->store, "/pods/default/a", "two", 1, 2);
        assert_int_equal(store_put(c->store, "/pods/default/a", "x", 1, 1, on_done, &d), -EAGAIN);
        assert_int_equal(store_put(c->store, "/pods/default/b", "x", 1, 5, on_done, &d), -ENOENT);
        assert_int_equal(put_sync(c, "/pods/default/a", "three", STORE_ANY_REVISION), 3);
        assert_value(c->store, "/pods/default/a", "three", 1, 3);

        /* delete preconditions */
        assert_int_equal(store_delete(c->store, "/pods/default/a", 2, on_done, &d), -EAGAIN);
        assert_int_equal(store_delete(c->store, "/pods/default/nope", STORE_ANY_REVISION, on_done, &d), -ENOENT);
        d = (Done) {};
        assert_int_equal(store_delete(c->store, "/pods/default/a", 3, on_done, &d), 0);
        run(c);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.r, 0);
        assert_int_equal(d.revision, 4);
        assert_int_equal(store_get(c->store, "/pods/default/a", &v), -ENOENT);
        assert_int_equal(store_revision(c->store), 4);

        /* recreate gets a new create_revision */
        assert_int_equal(put_sync(c, "/pods/default/a", "again", STORE_MUST_NOT_EXIST), 5);
        assert_value(c->store, "/pods/default/a", "again", 5, 5);

        /* argument checks */
        assert_int_equal(store_put(c->store, "", "x", 1, STORE_ANY_REVISION, on_done, &d), -EINVAL);
        big = malloc(KSHIM_MAX_OBJECT_BYTES + 1);
        assert_non_null(big);
        memset(big, 'x', KSHIM_MAX_OBJECT_BYTES + 1);
        assert_int_equal(store_put(c->store, "/big", big, KSHIM_MAX_OBJECT_BYTES + 1, STORE_ANY_REVISION, on_done, &d),
                         -E2BIG);
        /* the largest allowed value round-trips */
        big[KSHIM_MAX_OBJECT_BYTES - 1] = 0;
        assert_int_equal(put_sync(c, "/big", big, STORE_MUST_NOT_EXIST), 6);
        free(big);
        assert_int_equal(store_get(c->store, "/big", &v), 0);
        assert_int_equal(v->len, KSHIM_MAX_OBJECT_BYTES - 1);
        store_value_unref(v);
        assert_int_equal(d.calls, 1); /* none of the refused calls completed */
}

static void test_binary_value(void **state) {
        Ctx *c = *state;
        StoreValue *v = NULL;
        Done d = {};

        assert_int_equal(store_put(c->store, "/bin", "a\0b", 3, STORE_MUST_NOT_EXIST, on_done, &d), 0);
        assert_int_equal(store_put(c->store, "/empty", NULL, 0, STORE_MUST_NOT_EXIST, on_done, &d), 0);
        run(c);
        ctx_reopen(c);
        assert_int_equal(store_get(c->store, "/bin", &v), 0);
        assert_int_equal(v->len, 3);
        assert_memory_equal(v->data, "a\0b", 4);
        store_value_unref(v);
        assert_int_equal(store_get(c->store, "/empty", &v), 0);
        assert_int_equal(v->len, 0);
        assert_string_equal(v->data, "");
        store_value_unref(v);
}

/* A burst from one loop iteration is serialisable: preconditions see the queued writes. */
static void test_pending_overlay(void **state) {
        Ctx *c = *state;
        Done d[5] = {};

        assert_int_equal(store_put(c->store, "/k", "1", 1, STORE_MUST_NOT_EXIST, on_done, &d[0]), 0);
        assert_int_equal(store_put(c->store, "/k", "x", 1, STORE_MUST_NOT_EXIST, on_done, &d[1]), -EEXIST);
        assert_int_equal(store_put(c->store, "/k", "2", 1, 1, on_done, &d[1]), 0); /* queued rev 1 */
        assert_int_equal(store_put(c->store, "/k", "x", 1, 1, on_done, &d[2]), -EAGAIN);
        assert_int_equal(store_delete(c->store, "/k", 2, on_done, &d[2]), 0);
        assert_int_equal(store_delete(c->store, "/k", STORE_ANY_REVISION, on_done, &d[3]), -ENOENT);
        assert_int_equal(store_put(c->store, "/k", "3", 1, STORE_MUST_NOT_EXIST, on_done, &d[3]), 0);
        assert_int_equal(store_count(c->store, ""), 0);
        run(c);
        for (unsigned i = 0; i < 4; i++) {
                assert_int_equal(d[i].calls, 1);
                assert_int_equal(d[i].r, 0);
                assert_int_equal(d[i].revision, i + 1);
        }
        assert_value(c->store, "/k", "3", 4, 4);
}

static void test_list_order_paging(void **state) {
        Ctx *c = *state;
        const char *keys[] = { "/a/3", "/b/1", "/a/1", "/a", "/a/10", "/a0", "/a/2", "/a/", "/a/20" };
        const char *want[] = { "/a/", "/a/1", "/a/10", "/a/2", "/a/20", "/a/3" };
        List l;
        size_t got = 0;
        const char *after = NULL;
        char last[64];

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                put_sync(c, keys[i], keys[i], STORE_MUST_NOT_EXIST);

        assert_int_equal(list(c, "/a/", NULL, 0, 0, &l), 0);
        assert_int_equal(l.n, ELEMENTSOF(want));
        for (size_t i = 0; i < l.n; i++)
                assert_string_equal(l.items[i]->key, want[i]);
        assert_false(l.more);
        assert_int_equal(l.revision, ELEMENTSOF(keys));
        list_done(&l);
        assert_int_equal(store_count(c->store, "/a/"), ELEMENTSOF(want));
        assert_int_equal(store_count(c->store, "/a"), ELEMENTSOF(want) + 2);
        assert_int_equal(store_count(c->store, ""), ELEMENTSOF(keys));
        assert_int_equal(store_count(c->store, "/c"), 0);

        /* pages of 4, then 2 */
        for (int page = 0;; page++) {
                assert_int_equal(list(c, "/a/", after, 4, 0, &l), 0);
                for (size_t i = 0; i < l.n; i++)
                        assert_string_equal(l.items[i]->key, want[got++]);
                assert_int_equal(l.more, page == 0);
                if (!l.more) {
                        list_done(&l);
                        break;
                }
                snprintf(last, sizeof last, "%s", l.items[l.n - 1]->key);
                after = last;
                list_done(&l);
        }
        assert_int_equal(got, ELEMENTSOF(want));

        /* a page that ends exactly at the last key has no more */
        assert_int_equal(list(c, "/a/", NULL, ELEMENTSOF(want), 0, &l), 0);
        assert_false(l.more);
        list_done(&l);

        /* start_after a key that does not exist, and before the prefix */
        assert_int_equal(list(c, "/a/", "/a/15", 0, 0, &l), 0);
        assert_int_equal(l.n, 3);
        assert_string_equal(l.items[0]->key, "/a/2");
        list_done(&l);
        assert_int_equal(list(c, "/a/", "/", 1, 0, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0]->key, "/a/");
        assert_true(l.more);
        list_done(&l);

        /* empty prefix = everything */
        assert_int_equal(list(c, "", NULL, 0, 0, &l), 0);
        assert_int_equal(l.n, ELEMENTSOF(keys));
        for (size_t i = 1; i < l.n; i++)
                assert_true(strcmp(l.items[i - 1]->key, l.items[i]->key) < 0);
        list_done(&l);
        assert_int_equal(list(c, "/zzz", NULL, 0, 0, &l), 0);
        assert_int_equal(l.n, 0);
        list_done(&l);
}

static void test_list_at_revision(void **state) {
        Ctx *c = *state;
        List l;

        put_sync(c, "/p/k1", "v1", STORE_MUST_NOT_EXIST); /* 1 */
        put_sync(c, "/p/k2", "v1", STORE_MUST_NOT_EXIST); /* 2 */
        put_sync(c, "/p/k1", "v2", 1);                    /* 3 */
        delete_sync(c, "/p/k2");                          /* 4 */
        put_sync(c, "/p/k0", "v1", STORE_MUST_NOT_EXIST); /* 5 */
        put_sync(c, "/q/x", "v1", STORE_MUST_NOT_EXIST);  /* 6 */

        assert_int_equal(list(c, "/p/", NULL, 0, 2, &l), 0);
        assert_int_equal(l.revision, 2);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[0]->key, "/p/k1");
        assert_string_equal(l.items[0]->data, "v1");
        assert_string_equal(l.items[1]->key, "/p/k2");
        list_done(&l);

        assert_int_equal(list(c, "/p/", NULL, 0, 3, &l), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[0]->data, "v2");
        assert_int_equal(l.items[0]->mod_revision, 3);
        list_done(&l);

        assert_int_equal(list(c, "/p/", NULL, 0, 4, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0]->key, "/p/k1");
        list_done(&l);

        /* paging at an old revision */
        assert_int_equal(list(c, "/p/", NULL, 1, 2, &l), 0);
        assert_int_equal(l.n, 1);
        assert_true(l.more);
        assert_string_equal(l.items[0]->key, "/p/k1");
        list_done(&l);
        assert_int_equal(list(c, "/p/", "/p/k1", 1, 2, &l), 0);
        assert_int_equal(l.n, 1);
        assert_false(l.more);
        assert_string_equal(l.items[0]->key, "/p/k2");
        list_done(&l);

        /* at revision 0 (empty) and latest */
        assert_int_equal(list(c, "", NULL, 0, 0, &l), 0);
        assert_int_equal(l.n, 3);
        assert_int_equal(l.revision, 6);
        list_done(&l);
        assert_int_equal(store_oldest_revision(c->store), 1);
        assert_int_equal(list(c, "", NULL, 0, 0 + 1, &l), 0);
        assert_int_equal(l.n, 1);
        list_done(&l);
        assert_int_equal(list(c, "", NULL, 0, 7, &l), -ERANGE);
}

static void test_estale(void **state) {
        Ctx *c = *state; /* history window of 4 events */
        StoreWatch *w = NULL;
        Seen seen = {};
        List l;

        for (int i = 0; i < 10; i++) {
                char k[16];
                snprintf(k, sizeof k, "/k%d", i);
                put_sync(c, k, "v", STORE_MUST_NOT_EXIST);
        }
        assert_int_equal(store_revision(c->store), 10);
        assert_int_equal(store_oldest_revision(c->store), 7);
        assert_int_equal(list(c, "", NULL, 0, 5, &l), -ESTALE);
        assert_int_equal(list(c, "", NULL, 0, 6, &l), 0); /* state at 6 = all events after it undone */
        assert_int_equal(l.n, 6);
        list_done(&l);
        assert_int_equal(store_watch(c->store, "", 5, on_watch, &seen, &w), -ESTALE);
        assert_null(w);

        /* explicit compaction */
        assert_int_equal(store_compact(c->store, 9), 0);
        assert_int_equal(store_oldest_revision(c->store), 10);
        assert_int_equal(list(c, "", NULL, 0, 8, &l), -ESTALE);
        assert_int_equal(list(c, "", NULL, 0, 9, &l), 0);
        list_done(&l);
}

static void test_watch_live(void **state) {
        Ctx *c = *state;
        Seen a = {}, all = {};
        StoreWatch *wa = NULL, *wall = NULL;

        put_sync(c, "/pods/x", "0", STORE_MUST_NOT_EXIST); /* 1: before the watch */
        assert_int_equal(store_watch(c->store, "/pods/", 0, on_watch, &a, &wa), 0);
        assert_int_equal(store_watch(c->store, "", 0, on_watch, &all, &wall), 0);
        run(c);
        assert_int_equal(a.n, 0);

        put_sync(c, "/pods/a", "1", STORE_MUST_NOT_EXIST);  /* 2 */
        put_sync(c, "/nodes/n", "1", STORE_MUST_NOT_EXIST); /* 3 */
        put_sync(c, "/pods/a", "2", 2);                     /* 4 */
        delete_sync(c, "/pods/x");                          /* 5 */

        assert_int_equal(a.n, 3);
        assert_int_equal(a.revs[0], 2);
        assert_int_equal(a.types[0], STORE_EVENT_PUT);
        assert_int_equal(a.revs[1], 4);
        assert_int_equal(a.revs[2], 5);
        assert_int_equal(a.types[2], STORE_EVENT_DELETE);
        assert_string_equal(a.keys[2], "/pods/x");
        assert_int_equal(all.n, 4);
        for (unsigned i = 0; i < all.n; i++)
                assert_int_equal(all.revs[i], i + 2);

        store_watch_free(wa);
        put_sync(c, "/pods/b", "1", STORE_MUST_NOT_EXIST);
        assert_int_equal(a.n, 3);
        assert_int_equal(all.n, 5);
        store_watch_free(wall);
}

static void test_watch_from_revision(void **state) {
        Ctx *c = *state;
        Seen s = {};
        StoreWatch *w = NULL;
        Done d[20] = {};

        for (int i = 0; i < 10; i++) {
                char k[16];
                snprintf(k, sizeof k, "/k/%02d", i);
                put_sync(c, k, "v", STORE_MUST_NOT_EXIST);
        }
        /* replay 4..10 asynchronously (never from inside store_watch), then live 11..20 in one burst */
        assert_int_equal(store_watch(c->store, "/k/", 3, on_watch, &s, &w), 0);
        assert_int_equal(s.n, 0);
        for (int i = 0; i < 10; i++) {
                char k[16];
                snprintf(k, sizeof k, "/k/%02d", i);
                assert_int_equal(store_put(c->store, k, "w", 1, STORE_ANY_REVISION, on_done, &d[i]), 0);
        }
        run(c);
        assert_int_equal(s.n, 17);
        for (unsigned i = 0; i < s.n; i++)
                assert_int_equal(s.revs[i], i + 4);
        store_watch_free(w);

        /* from the current revision: nothing to replay; from the future: waits */
        s = (Seen) {};
        assert_int_equal(store_watch(c->store, "", 20, on_watch, &s, &w), 0);
        run(c);
        assert_int_equal(s.n, 0);
        store_watch_free(w);
        assert_int_equal(store_watch(c->store, "", 21, on_watch, &s, &w), 0);
        put_sync(c, "/k/00", "x", STORE_ANY_REVISION); /* 21: not > 21 */
        put_sync(c, "/k/00", "y", STORE_ANY_REVISION); /* 22 */
        assert_int_equal(s.n, 1);
        assert_int_equal(s.revs[0], 22);
        store_watch_free(w);
}

static void test_watch_cancel(void **state) {
        Ctx *c = *state;
        Seen cancel = { .cancel_after = 2 }, self = { .cancel_after = 1, .free_self_after = true }, killer = {},
             victim = {};
        StoreWatch *w1, *w2, *w3, *w4;

        /* order of creation: victim first so it is after killer in the (head-inserted) list */
        assert_int_equal(store_watch(c->store, "", 0, on_watch, &victim, &w4), 0);
        assert_int_equal(store_watch(c->store, "", 0, on_watch, &killer, &w3), 0);
        assert_int_equal(store_watch(c->store, "", 0, on_watch, &cancel, &w1), 0);
        assert_int_equal(store_watch(c->store, "", 0, on_watch, &self, &w2), 0);
        killer.other = w4;

        for (int i = 0; i < 3; i++) {
                char k[16];
                snprintf(k, sizeof k, "/c/%d", i);
                assert_int_equal(store_put(c->store, k, "v", 1, STORE_MUST_NOT_EXIST, NULL, NULL), 0);
        }
        run(c);
        assert_int_equal(cancel.n, 2); /* cancelled by returning < 0 */
        assert_int_equal(self.n, 1);   /* freed itself */
        assert_int_equal(killer.n, 3);
        assert_int_equal(victim.n, 0); /* freed by another watch's callback before its turn */
        put_sync(c, "/c/x", "v", STORE_MUST_NOT_EXIST);
        assert_int_equal(cancel.n, 2);
        assert_int_equal(self.n, 1);
        assert_int_equal(killer.n, 4);
        assert_int_equal(victim.n, 0);
        store_watch_free(w3);
}

static void test_watch_outlives_store(void **state) {
        Ctx *c = *state;
        Seen s = {};
        StoreWatch *w;

        assert_int_equal(store_watch(c->store, "", 0, on_watch, &s, &w), 0);
        c->store = store_free(c->store);
        store_watch_free(w); /* detached, still safe to free */
        ctx_open(c);
}

/* Event history is trimmed only past what every watch has seen, even with a tiny window. */
static void test_watch_small_window_burst(void **state) {
        Ctx *c = *state; /* window of 4 */
        Seen s = {};
        StoreWatch *w;
        Done d[10] = {};

        assert_int_equal(store_watch(c->store, "", 0, on_watch, &s, &w), 0);
        for (int i = 0; i < 10; i++) {
                char k[16];
                snprintf(k, sizeof k, "/b/%d", i);
                assert_int_equal(store_put(c->store, k, "v", 1, STORE_MUST_NOT_EXIST, on_done, &d[i]), 0);
        }
        run(c);
        assert_int_equal(s.n, 10);
        for (unsigned i = 0; i < s.n; i++)
                assert_int_equal(s.revs[i], i + 1);
        assert_int_equal(store_oldest_revision(c->store), 7);
        store_watch_free(w);
}

static void test_reopen(void **state) {
        Ctx *c = *state;
        Seen s = {};
        StoreWatch *w;

        for (int i = 0; i < 50; i++) {
                char k[16], v[16];
                snprintf(k, sizeof k, "/r/%03d", i % 20);
                snprintf(v, sizeof v, "v%d", i);
                put_sync(c, k, v, STORE_ANY_REVISION);
        }
        delete_sync(c, "/r/007"); /* 51 */
        ctx_reopen(c);
        assert_int_equal(store_revision(c->store), 51);
        assert_int_equal(store_count(c->store, "/r/"), 19);
        assert_value(c->store, "/r/000", "v40", 1, 41);
        assert_value(c->store, "/r/019", "v39", 20, 40);

        /* history survives in the log: watch from an old revision after a restart */
        assert_int_equal(store_watch(c->store, "/r/", 45, on_watch, &s, &w), 0);
        run(c);
        assert_int_equal(s.n, 6);
        assert_int_equal(s.revs[5], 51);
        assert_int_equal(s.types[5], STORE_EVENT_DELETE);
        store_watch_free(w);

        put_sync(c, "/r/new", "x", STORE_MUST_NOT_EXIST);
        ctx_reopen(c);
        assert_int_equal(store_revision(c->store), 52);
        assert_value(c->store, "/r/new", "x", 52, 52);
}

static void append_file(Ctx *c, const char *name, const void *data, size_t len) {
        char p[PATH_MAX + 32];
        int fd;

        snprintf(p, sizeof p, "%s/%s", c->dir, name);
        fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        close(fd);
}

static void truncate_file(Ctx *c, const char *name, off_t size) {
        char p[PATH_MAX + 32];

        snprintf(p, sizeof p, "%s/%s", c->dir, name);
        assert_int_equal(truncate(p, size), 0);
}

static void test_torn_tail(void **state) {
        Ctx *c = *state;
        off_t good, after;
        StoreReplayReport rep;
        StoreOptions o = { .dir = c->dir, .event = c->event, .no_sync = true };

        put_sync(c, "/t/1", "one", STORE_MUST_NOT_EXIST);
        put_sync(c, "/t/2", "two", STORE_MUST_NOT_EXIST);
        good = file_size(c, STORE_LOG_FILE);
        put_sync(c, "/t/3", "three", STORE_MUST_NOT_EXIST);
        after = file_size(c, STORE_LOG_FILE);
        ctx_close(c);

        /* garbage after the last record */
        append_file(c, STORE_LOG_FILE, "garbage!garbage!garbage!", 24);
        ctx_open(c);
        assert_int_equal(file_size(c, STORE_LOG_FILE), after);
        assert_int_equal(store_revision(c->store), 3);
        assert_value(c->store, "/t/3", "three", 3, 3);
        ctx_close(c);

        /* cut mid-record: the last record goes, the earlier ones stay */
        truncate_file(c, STORE_LOG_FILE, after - 3);
        assert_int_equal(store_open_full(&o, 0, &rep, &c->store), 0);
        assert_int_equal(rep.log_records, 2);
        assert_int_equal(rep.log_torn_bytes, after - 3 - good);
        assert_non_null(rep.torn_reason);
        assert_int_equal(file_size(c, STORE_LOG_FILE), good);
        assert_int_equal(store_revision(c->store), 2);
        assert_value(c->store, "/t/1", "one", 1, 1);
        assert_value(c->store, "/t/2", "two", 2, 2);
        StoreValue *v = NULL;
        assert_int_equal(store_get(c->store, "/t/3", &v), -ENOENT);

        /* writing continues at the truncation point and survives another reopen */
        put_sync(c, "/t/3", "three again", STORE_MUST_NOT_EXIST);
        ctx_reopen(c);
        assert_int_equal(store_revision(c->store), 3);
        assert_value(c->store, "/t/3", "three again", 3, 3);
        ctx_close(c);

        /* a flipped byte in the last record's payload: bad checksum */
        {
                char p[PATH_MAX + 32];
                off_t sz = file_size(c, STORE_LOG_FILE);
                char b;
                int fd;

                snprintf(p, sizeof p, "%s/%s", c->dir, STORE_LOG_FILE);
                fd = open(p, O_RDWR | O_CLOEXEC);
                assert_true(fd >= 0);
                assert_int_equal(pread(fd, &b, 1, sz - 2), 1);
                b ^= 0x20;
                assert_int_equal(pwrite(fd, &b, 1, sz - 2), 1);
                close(fd);
        }
        assert_int_equal(store_open_full(&o, 0, &rep, &c->store), 0);
        assert_string_equal(rep.torn_reason, "bad checksum");
        assert_int_equal(store_revision(c->store), 2);
}

static void test_group_commit(void **state) {
        Ctx *c = *state; /* real fdatasync */
        Done d[100] = {};
        StoreStats st;

        for (unsigned i = 0; i < ELEMENTSOF(d); i++) {
                char k[16];
                snprintf(k, sizeof k, "/g/%03u", i);
                assert_int_equal(store_put(c->store, k, "v", 1, STORE_MUST_NOT_EXIST, on_done, &d[i]), 0);
        }
        store_get_stats(c->store, &st);
        assert_int_equal(st.n_pending, ELEMENTSOF(d));
        assert_int_equal(st.n_syncs, 0);
        run(c);
        store_get_stats(c->store, &st);
        assert_int_equal(st.n_syncs, 1);
        assert_int_equal(st.n_commits, 1);
        assert_int_equal(st.n_records, ELEMENTSOF(d));
        assert_int_equal(st.n_pending, 0);
        assert_int_equal(st.n_keys, ELEMENTSOF(d));
        assert_int_equal(st.log_bytes, file_size(c, STORE_LOG_FILE));
        for (unsigned i = 0; i < ELEMENTSOF(d); i++) {
                assert_int_equal(d[i].calls, 1);
                assert_int_equal(d[i].r, 0);
                assert_int_equal(d[i].revision, i + 1);
        }

        /* a second burst is a second commit */
        put_sync(c, "/g/x", "v", STORE_MUST_NOT_EXIST);
        store_get_stats(c->store, &st);
        assert_int_equal(st.n_syncs, 2);
}

/* Writes queued from a done callback go into the next commit. */
static void chain_done(Store *s, int r, uint64_t revision, StoreValue *value, void *userdata) {
        Done *d = userdata;

        d->calls++;
        d->r = r;
        d->revision = revision;
        if (d->calls < 3)
                assert_int_equal(store_put(s, "/chain", "v", 1, revision, chain_done, d), 0);
}

static void test_chained_writes(void **state) {
        Ctx *c = *state;
        Done d = {};

        assert_int_equal(store_put(c->store, "/chain", "v", 1, STORE_MUST_NOT_EXIST, chain_done, &d), 0);
        run(c);
        assert_int_equal(d.calls, 3);
        assert_int_equal(d.r, 0);
        assert_int_equal(d.revision, 3);
        assert_value(c->store, "/chain", "v", 1, 3);
}

static void check_fault(Ctx *c, StoreFault fault, int error) {
        Done d[3] = {};
        StoreStats st;
        StoreValue *v = NULL;
        uint64_t rev = store_revision(c->store);
        off_t size = file_size(c, STORE_LOG_FILE);
        List l;

        assert_int_equal(store_put(c->store, "/f/new", "n", 1, STORE_MUST_NOT_EXIST, on_done, &d[0]), 0);
        assert_int_equal(store_put(c->store, "/f/old", "changed", 7, STORE_ANY_REVISION, on_done, &d[1]), 0);
        assert_int_equal(store_delete(c->store, "/f/old2", STORE_ANY_REVISION, on_done, &d[2]), 0);
        store_inject_fault(c->store, fault, error);
        run(c);
        for (unsigned i = 0; i < ELEMENTSOF(d); i++) {
                assert_int_equal(d[i].calls, 1);
                assert_int_equal(d[i].r, error);
        }
        /* nothing applied, log cut back, reads work */
        assert_int_equal(store_revision(c->store), rev);
        assert_int_equal(file_size(c, STORE_LOG_FILE), size);
        assert_int_equal(store_get(c->store, "/f/new", &v), -ENOENT);
        assert_value(c->store, "/f/old", "old", 0, 0);
        assert_value(c->store, "/f/old2", "old2", 0, 0);
        assert_int_equal(list(c, "/f/", NULL, 0, 0, &l), 0);
        assert_int_equal(l.n, 2);
        list_done(&l);
        store_get_stats(c->store, &st);
        assert_true(st.n_write_errors >= 1);

        /* the store accepts writes again, reusing the revision */
        assert_int_equal(put_sync(c, "/f/new", "n", STORE_MUST_NOT_EXIST), rev + 1);
        ctx_reopen(c);
        assert_int_equal(store_revision(c->store), rev + 1);
        assert_value(c->store, "/f/new", "n", rev + 1, rev + 1);
        assert_value(c->store, "/f/old", "old", 0, 0);
        delete_sync(c, "/f/new");
}

static void test_write_failure(void **state) {
        Ctx *c = *state;

        put_sync(c, "/f/old", "old", STORE_MUST_NOT_EXIST);
        put_sync(c, "/f/old2", "old2", STORE_MUST_NOT_EXIST);
        check_fault(c, STORE_FAULT_WRITE, -ENOSPC);
        check_fault(c, STORE_FAULT_SHORT_WRITE, -ENOSPC);
        check_fault(c, STORE_FAULT_SYNC, -EIO);
        check_fault(c, STORE_FAULT_WRITE, -EDQUOT);
}

static void test_repair_failure(void **state) {
        Ctx *c = *state;
        Done d = {};

        put_sync(c, "/f/old", "old", STORE_MUST_NOT_EXIST);
        assert_int_equal(store_put(c->store, "/f/new", "n", 1, STORE_MUST_NOT_EXIST, on_done, &d), 0);
        store_inject_fault(c->store, STORE_FAULT_REPAIR, -EIO);
        run(c);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.r, -EIO);
        /* broken: writes refused at once, reads served */
        assert_int_equal(store_put(c->store, "/f/x", "n", 1, STORE_MUST_NOT_EXIST, on_done, &d), -EIO);
        assert_int_equal(d.calls, 1);
        assert_value(c->store, "/f/old", "old", 1, 1);
        assert_int_equal(store_revision(c->store), 1);

        /* reopening replays what reached the disk: the failed write may survive (unknown outcome) */
        c->store = store_free(c->store);
        ctx_open(c);
        assert_true(store_revision(c->store) == 1 || store_revision(c->store) == 2);
        put_sync(c, "/f/x", "n", STORE_MUST_NOT_EXIST);
}

static void test_snapshot(void **state) {
        Ctx *c = *state;
        StoreStats st;
        StoreReplayReport rep;
        StoreOptions o = { .dir = c->dir, .event = c->event, .no_sync = true };
        char old_log[PATH_MAX + 32], log[PATH_MAX + 32], cmd[3 * PATH_MAX];

        store_set_snapshot_threshold(c->store, 4096);
        for (int i = 0; i < 300; i++) {
                char k[16], v[32];
                snprintf(k, sizeof k, "/s/%03d", i % 37);
                snprintf(v, sizeof v, "value-%d", i);
                put_sync(c, k, v, STORE_ANY_REVISION);
                if (i % 10 == 9)
                        delete_sync(c, k);
        }
        store_get_stats(c->store, &st);
        assert_true(st.n_snapshots > 0);
        assert_true(st.log_bytes < 4096 + 256);
        assert_true(file_size(c, STORE_SNAPSHOT_FILE) > 0);
        uint64_t rev = store_revision(c->store);
        size_t n = store_count(c->store, "/s/");
        assert_int_equal(rev, 330);

        ctx_reopen(c);
        assert_int_equal(store_revision(c->store), rev);
        assert_int_equal(store_count(c->store, "/s/"), n);
        assert_value(c->store, "/s/002", "value-298", 0, 0);
        assert_true(store_oldest_revision(c->store) <= rev + 1);

        /* explicit snapshot, then put the pre-snapshot log back (crash before the new segment) */
        snprintf(log, sizeof log, "%s/%s", c->dir, STORE_LOG_FILE);
        snprintf(old_log, sizeof old_log, "%s/old-wal", c->dir);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", log, old_log);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(store_snapshot(c->store), 0);
        assert_int_equal(file_size(c, STORE_LOG_FILE), 0);
        put_sync(c, "/s/after", "x", STORE_MUST_NOT_EXIST);
        ctx_close(c);
        /* old log: records at or below the snapshot are skipped; the one after it is lost with the
         * newer segment, so use a log that only holds old records */
        assert_int_equal(rename(old_log, log), 0);
        assert_int_equal(store_open_full(&o, 0, &rep, &c->store), 0);
        assert_true(rep.have_snapshot);
        assert_int_equal(rep.snapshot_revision, rev);
        assert_int_equal(rep.log_records, 0);
        assert_int_equal(store_revision(c->store), rev);
        assert_int_equal(store_count(c->store, "/s/"), n);
}

static void test_corrupt_gap_refused(void **state) {
        Ctx *c = *state;
        off_t one;
        char p[PATH_MAX + 32], buf[4096];
        int fd;
        ssize_t k;

        put_sync(c, "/x", "1", STORE_MUST_NOT_EXIST);
        one = file_size(c, STORE_LOG_FILE);
        put_sync(c, "/y", "1", STORE_MUST_NOT_EXIST);
        ctx_close(c);

        /* duplicate the second record: CRC-valid, revision out of sequence */
        snprintf(p, sizeof p, "%s/%s", c->dir, STORE_LOG_FILE);
        fd = open(p, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        k = pread(fd, buf, sizeof buf, one);
        assert_true(k > 0);
        assert_int_equal(pwrite(fd, buf, (size_t) k, one + k), k);
        close(fd);

        StoreOptions o = { .dir = c->dir, .event = c->event, .no_sync = true };
        assert_int_equal(store_open(&o, &c->store), -EBADMSG);
        assert_null(c->store);
}

static void test_lock(void **state) {
        Ctx *c = *state;
        Store *s2 = NULL;
        StoreOptions o = { .dir = c->dir, .event = c->event, .no_sync = true };

        assert_int_equal(store_open(&o, &s2), -EBUSY);
        assert_int_equal(store_open_full(&o, STORE_OPEN_READ_ONLY, NULL, &s2), -EBUSY);
        c->store = store_free(c->store);
        assert_int_equal(store_open_full(&o, STORE_OPEN_READ_ONLY, NULL, &s2), 0);
        assert_int_equal(store_put(s2, "/a", "b", 1, STORE_ANY_REVISION, NULL, NULL), -EROFS);
        store_free(s2);
        ctx_open(c);
}

static void test_value_refs_and_free(void **state) {
        Ctx *c = *state;
        StoreValue *v = NULL;
        Done d = {};

        put_sync(c, "/v", "old", STORE_MUST_NOT_EXIST);
        assert_int_equal(store_get(c->store, "/v", &v), 0);
        put_sync(c, "/v", "new", STORE_ANY_REVISION);
        delete_sync(c, "/v");
        assert_string_equal(v->data, "old"); /* still ours */
        store_value_unref(v);

        /* queued writes are cancelled by store_free, exactly once */
        assert_int_equal(store_put(c->store, "/w", "x", 1, STORE_MUST_NOT_EXIST, on_done, &d), 0);
        c->store = store_free(c->store);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.r, -ECANCELED);
        ctx_open(c);
        assert_int_equal(store_get(c->store, "/w", &v), -ENOENT);

        /* store_flush completes writes without the loop */
        d = (Done) {};
        assert_int_equal(store_put(c->store, "/w", "x", 1, STORE_MUST_NOT_EXIST, on_done, &d), 0);
        assert_int_equal(store_flush(c->store), 0);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.r, 0);
        run(c);
        assert_int_equal(d.calls, 1);
}

static void test_busy(void **state) {
        Ctx *c = *state;
        unsigned i;
        int r = 0;

        for (i = 0; i <= KSHIM_STORE_MAX_PENDING_WRITES; i++) {
                char k[32];
                snprintf(k, sizeof k, "/busy/%u", i);
                r = store_put(c->store, k, "v", 1, STORE_MUST_NOT_EXIST, NULL, NULL);
                if (r < 0)
                        break;
        }
        assert_int_equal(r, -EBUSY);
        assert_int_equal(i, KSHIM_STORE_MAX_PENDING_WRITES);
        run(c);
        assert_int_equal(store_count(c->store, "/busy/"), KSHIM_STORE_MAX_PENDING_WRITES);
}

static void test_busy_bytes(void **state) {
        Ctx *c = *state;
        size_t len = KSHIM_MAX_OBJECT_BYTES;
        char *big = malloc(len);
        unsigned i;
        int r = 0;

        assert_non_null(big);
        memset(big, 'b', len);
        for (i = 0; i < 1000; i++) {
                char k[32];
                snprintf(k, sizeof k, "/big/%u", i);
                r = store_put(c->store, k, big, len, STORE_MUST_NOT_EXIST, NULL, NULL);
                if (r < 0)
                        break;
        }
        assert_int_equal(r, -EBUSY);
        assert_int_equal(i, STORE_MAX_PENDING_BYTES / (len + 7)); /* keys "/big/N" are 6-7 bytes */
        run(c);
        assert_int_equal(store_count(c->store, "/big/"), i);
        /* drained: accepted again */
        assert_int_equal(store_put(c->store, "/big/x", big, len, STORE_MUST_NOT_EXIST, NULL, NULL), 0);
        run(c);
        free(big);
}

static void test_nested_dir(void **state) {
        Ctx *c = *state;
        char sub[PATH_MAX + 32], subsub[PATH_MAX + 64];
        Store *s = NULL;
        StoreOptions o = { .dir = subsub, .event = c->event, .no_sync = true };
        StoreValue *v = NULL;
        Done d = {};

        snprintf(sub, sizeof sub, "%s/a", c->dir);
        snprintf(subsub, sizeof subsub, "%s/a/b", c->dir);
        assert_int_equal(store_open(&o, &s), 0);
        assert_int_equal(store_put(s, "/k", "v", 1, STORE_MUST_NOT_EXIST, on_done, &d), 0);
        assert_int_equal(store_flush(s), 0);
        assert_int_equal(d.r, 0);
        s = store_free(s);
        assert_int_equal(store_open(&o, &s), 0);
        assert_int_equal(store_get(s, "/k", &v), 0);
        store_value_unref(v);
        s = store_free(s);
        rm_rf_flat(subsub);
        assert_int_equal(rmdir(sub), 0);
}

/* The offline tool, when meson tells us where it is. */
static int run_tool(Ctx *c, const char *verb, char *out, size_t out_size) {
        const char *tool = getenv("KSHIM_STORE_TOOL");
        char cmd[2 * PATH_MAX];
        FILE *f;
        size_t n;
        int st;

        snprintf(cmd, sizeof cmd, "'%s' %s '%s' 2>/dev/null", tool, verb, c->dir);
        f = popen(cmd, "r");
        assert_non_null(f);
        n = fread(out, 1, out_size - 1, f);
        out[n] = 0;
        st = pclose(f);
        assert_true(WIFEXITED(st));
        return WEXITSTATUS(st);
}

static void test_tool(void **state) {
        Ctx *c = *state;
        char out[8192];
        off_t size;

        if (isempty(getenv("KSHIM_STORE_TOOL")))
                skip();

        put_sync(c, "/t/a", "{\"x\":1}", STORE_MUST_NOT_EXIST);
        put_sync(c, "/t/b", "two", STORE_MUST_NOT_EXIST);
        put_sync(c, "/t/a", "{\"x\":2}", 1);
        ctx_close(c);

        assert_int_equal(run_tool(c, "check", out, sizeof out), 0);
        assert_non_null(strstr(out, "revision: 3\n"));
        assert_non_null(strstr(out, "keys: 2\n"));
        assert_non_null(strstr(out, "corruption: none"));

        assert_int_equal(run_tool(c, "dump", out, sizeof out), 0);
        assert_string_equal(out,
                            "{\"key\":\"/t/a\",\"create_revision\":1,\"mod_revision\":3,\"value\":\"{\\\"x\\\":2}\"}\n"
                            "{\"key\":\"/t/b\",\"create_revision\":2,\"mod_revision\":2,\"value\":\"two\"}\n");

        /* check reports a torn tail and leaves the file alone */
        append_file(c, STORE_LOG_FILE, "torn", 4);
        size = file_size(c, STORE_LOG_FILE);
        assert_int_equal(run_tool(c, "check", out, sizeof out), 1);
        assert_non_null(strstr(out, "corruption: 4 bytes"));
        assert_int_equal(file_size(c, STORE_LOG_FILE), size);

        /* compact: snapshot written, log emptied, same state */
        assert_int_equal(run_tool(c, "compact", out, sizeof out), 0);
        assert_int_equal(file_size(c, STORE_LOG_FILE), 0);
        assert_true(file_size(c, STORE_SNAPSHOT_FILE) > 0);
        assert_int_equal(run_tool(c, "check", out, sizeof out), 0);
        assert_non_null(strstr(out, "snapshot: revision 3, 2 keys"));

        /* refused while the store is open */
        ctx_open(c);
        assert_int_equal(run_tool(c, "check", out, sizeof out), 2);
        assert_int_equal(store_revision(c->store), 3);
        assert_value(c->store, "/t/a", "{\"x\":2}", 1, 3);
}

/* ---- randomized model check ---- */

#define MK 16

typedef struct MState {
        bool exists[MK];
        uint64_t create[MK], mod[MK];
        unsigned val[MK];
} MState;

typedef struct Model {
        MState *states; /* states[rev]: the key space after revision rev */
        size_t n_states;
        uint64_t watched; /* last revision the model watch saw */
        Ctx *c;
} Model;

static void model_key(unsigned k, char *buf, size_t size) {
        snprintf(buf, size, "/m/%02u", k);
}

static unsigned model_key_index(const char *key) {
        assert_true(strlen(key) == 5 && startswith(key, "/m/"));
        return (unsigned) atoi(key + 3);
}

static int on_model_watch(StoreWatch *w, const StoreEvent *ev, void *userdata) {
        Model *m = userdata;
        const MState *st;
        unsigned k;
        char val[32];

        assert_int_equal(ev->revision, m->watched + 1); /* no gaps, in order */
        m->watched = ev->revision;
        assert_true(ev->revision < m->n_states);
        st = &m->states[ev->revision];
        k = model_key_index(ev->value ? ev->value->key : ev->prev->key);
        if (ev->type == STORE_EVENT_PUT) {
                assert_true(st->exists[k]);
                snprintf(val, sizeof val, "v%u", st->val[k]);
                assert_string_equal(ev->value->data, val);
                assert_int_equal(ev->value->mod_revision, ev->revision);
                assert_int_equal(ev->value->create_revision, st->create[k]);
                assert_true(!ev->prev || ev->prev->mod_revision == m->states[ev->revision - 1].mod[k]);
        } else
                assert_false(st->exists[k]);
        return 0;
}

static void model_check_list(Model *m, uint64_t rev) {
        const MState *st = &m->states[rev];
        List l;
        size_t i = 0;

        if (rev == 0) /* means "latest" to store_list */
                return;
        assert_int_equal(list(m->c, "/m/", NULL, 0, rev, &l), 0);
        assert_int_equal(l.revision, rev);
        for (unsigned k = 0; k < MK; k++) {
                char key[16], val[32];

                if (!st->exists[k])
                        continue;
                model_key(k, key, sizeof key);
                snprintf(val, sizeof val, "v%u", st->val[k]);
                assert_true(i < l.n);
                assert_string_equal(l.items[i]->key, key);
                assert_string_equal(l.items[i]->data, val);
                assert_int_equal(l.items[i]->create_revision, st->create[k]);
                assert_int_equal(l.items[i]->mod_revision, st->mod[k]);
                i++;
        }
        assert_int_equal(l.n, i);
        list_done(&l);
}

static void test_model(void **state) {
        Ctx *c = *state; /* history window 4 is too small here: reopen with 200 */
        Model m = { .c = c };
        MState cur = {};
        StoreWatch *w = NULL;
        unsigned counter = 0;
        uint64_t rev = 0;

        c->store = store_free(c->store);
        c->history = 200;
        ctx_open(c);
        store_set_snapshot_threshold(c->store, 3000);
        srand(12345);

        m.states = calloc(1, sizeof(MState));
        m.n_states = 1;
        assert_int_equal(store_watch(c->store, "/m/", 0, on_model_watch, &m, &w), 0);

        for (int round = 0; round < 400; round++) {
                Done d[16] = {};
                uint64_t want_rev[16] = {};
                unsigned n = 1 + (unsigned) rand() % 16;

                for (unsigned i = 0; i < n; i++) {
                        unsigned k = (unsigned) rand() % MK, op = (unsigned) rand() % 6;
                        char key[16], val[32];
                        uint64_t expect;
                        int want, r;
                        bool del = false;

                        model_key(k, key, sizeof key);
                        switch (op) {
                        case 0: /* create */
                                expect = STORE_MUST_NOT_EXIST;
                                want = cur.exists[k] ? -EEXIST : 0;
                                break;
                        case 1: /* CAS, right revision */
                                expect = cur.exists[k] ? cur.mod[k] : 1 + (uint64_t) rand() % 50;
                                want = cur.exists[k] ? 0 : -ENOENT;
                                break;
                        case 2: /* CAS, stale revision */
                                expect = cur.exists[k] ? cur.mod[k] - 1 : 7;
                                want = cur.exists[k] ? (expect == 0 ? -EEXIST : -EAGAIN) : (expect == 0 ? 0 : -ENOENT);
                                break;
                        case 3: /* upsert */
                                expect = STORE_ANY_REVISION;
                                want = 0;
                                break;
                        case 4: /* delete */
                                expect = STORE_ANY_REVISION;
                                want = cur.exists[k] ? 0 : -ENOENT;
                                del = true;
                                break;
                        default: /* delete CAS, right revision */
                                expect = cur.exists[k] ? cur.mod[k] : 3;
                                want = cur.exists[k] ? 0 : -ENOENT;
                                del = true;
                                break;
                        }
                        snprintf(val, sizeof val, "v%u", counter + 1);
                        if (del)
                                r = store_delete(c->store, key, expect, on_done, &d[i]);
                        else
                                r = store_put(c->store, key, val, strlen(val), expect, on_done, &d[i]);
                        assert_int_equal(r, want);
                        if (r < 0)
                                continue;

                        rev++;
                        if (del)
                                cur.exists[k] = false;
                        else {
                                if (!cur.exists[k])
                                        cur.create[k] = rev;
                                cur.exists[k] = true;
                                cur.mod[k] = rev;
                                cur.val[k] = ++counter;
                        }
                        want_rev[i] = rev;
                        m.states = realloc(m.states, (rev + 1) * sizeof(MState));
                        assert_non_null(m.states);
                        m.states[rev] = cur;
                        m.n_states = rev + 1;
                }
                run(c);
                for (unsigned i = 0; i < n; i++)
                        if (want_rev[i]) {
                                assert_int_equal(d[i].calls, 1);
                                assert_int_equal(d[i].r, 0);
                                assert_int_equal(d[i].revision, want_rev[i]);
                        } else
                                assert_int_equal(d[i].calls, 0);
                assert_int_equal(store_revision(c->store), rev);
                assert_int_equal(m.watched, rev);
                assert_int_equal(store_verify(c->store), 0);

                /* lists at the latest and at a random revision in the window; older is stale */
                model_check_list(&m, rev);
                uint64_t oldest = store_oldest_revision(c->store) - 1;
                assert_true(oldest <= rev);
                model_check_list(&m, oldest + (uint64_t) rand() % (rev - oldest + 1));
                if (oldest > 0) {
                        List l;
                        assert_int_equal(list(c, "/m/", NULL, 0, oldest - 1, &l), -ESTALE);
                }

                if (round % 97 == 96) {
                        /* restart: state, revision and (log-backed) history survive */
                        store_watch_free(w);
                        ctx_reopen(c);
                        store_set_snapshot_threshold(c->store, 3000);
                        assert_int_equal(store_revision(c->store), rev);
                        model_check_list(&m, rev);
                        oldest = store_oldest_revision(c->store) - 1;
                        if (m.watched >= oldest)
                                assert_int_equal(store_watch(c->store, "/m/", m.watched, on_model_watch, &m, &w), 0);
                        else {
                                assert_int_equal(store_watch(c->store, "/m/", m.watched, on_model_watch, &m, &w),
                                                 -ESTALE);
                                m.watched = rev;
                                assert_int_equal(store_watch(c->store, "/m/", 0, on_model_watch, &m, &w), 0);
                        }
                }
        }
        StoreStats st;
        store_get_stats(c->store, &st);
        assert_true(st.n_snapshots > 0);
        store_watch_free(w);
        free(m.states);
}

/* Leftovers of a crash during a snapshot are ignored and removed; a damaged snapshot is refused. */
static void test_snapshot_crash_leftovers(void **state) {
        Ctx *c = *state;
        char p[PATH_MAX + 32];
        FILE *f;
        StoreOptions o = { .dir = c->dir, .event = c->event, .no_sync = true };

        put_sync(c, "/a", "1", STORE_MUST_NOT_EXIST);
        assert_int_equal(store_snapshot(c->store), 0);
        put_sync(c, "/b", "2", STORE_MUST_NOT_EXIST);
        ctx_close(c);

        snprintf(p, sizeof p, "%s/%s.tmp", c->dir, STORE_SNAPSHOT_FILE);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs("half a snapshot", f);
        fclose(f);
        ctx_open(c);
        assert_int_equal(file_size(c, STORE_SNAPSHOT_FILE ".tmp"), -1);
        assert_int_equal(store_revision(c->store), 2);
        assert_value(c->store, "/a", "1", 1, 1);
        assert_value(c->store, "/b", "2", 2, 2);
        ctx_close(c);

        /* a snapshot is written atomically, so damage in it is corruption, not a torn tail */
        truncate_file(c, STORE_SNAPSHOT_FILE, file_size(c, STORE_SNAPSHOT_FILE) - 1);
        assert_int_equal(store_open(&o, &c->store), -EBADMSG);
        assert_null(c->store);
}

static int flush_from_cb(StoreWatch *w, const StoreEvent *ev, void *userdata) {
        Store *s = userdata;
        StoreWatch *w2 = NULL;
        Seen *seen = calloc(1, sizeof(Seen));

        assert_int_equal(store_flush(s), -EDEADLK);
        /* a watch created from a callback starts after this event and is served later */
        assert_int_equal(store_watch(s, "", ev->revision - 1, on_watch, seen, &w2), 0);
        assert_int_equal(seen->n, 0);
        store_watch_free(w2);
        free(seen);
        return -1; /* and cancel ourselves */
}

static void test_callback_reentry(void **state) {
        Ctx *c = *state;
        StoreWatch *w;

        assert_int_equal(store_watch(c->store, "", 0, flush_from_cb, c->store, &w), 0);
        put_sync(c, "/x", "1", STORE_MUST_NOT_EXIST);
        put_sync(c, "/y", "1", STORE_MUST_NOT_EXIST); /* the watch is gone: not called again */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc32c),
                cmocka_unit_test_setup_teardown(test_crud, setup, teardown),
                cmocka_unit_test_setup_teardown(test_binary_value, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pending_overlay, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_order_paging, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_at_revision, setup, teardown),
                cmocka_unit_test_setup_teardown(test_estale, setup_small_history, teardown),
                cmocka_unit_test_setup_teardown(test_watch_live, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch_from_revision, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch_outlives_store, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch_small_window_burst, setup_small_history, teardown),
                cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
                cmocka_unit_test_setup_teardown(test_group_commit, setup_sync, teardown),
                cmocka_unit_test_setup_teardown(test_chained_writes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_failure, setup_sync, teardown),
                cmocka_unit_test_setup_teardown(test_repair_failure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_gap_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
                cmocka_unit_test_setup_teardown(test_value_refs_and_free, setup, teardown),
                cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_busy_bytes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_nested_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tool, setup, teardown),
                cmocka_unit_test_setup_teardown(test_model, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_crash_leftovers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_callback_reentry, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
