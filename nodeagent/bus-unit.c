/* SPDX-License-Identifier: Apache-2.0 */

/*
 * D-Bus marshalling of translator output (one appender per signature, as systemd's bus-unit-util) and
 * parsing of Properties.GetAll replies into a UnitSnapshot (one table row per property we read).
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nodeagent.h"

int bus_append_unit_property(sd_bus_message *m, const UnitProperty *p) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", p->name);
        if (r < 0)
                return r;
        switch (p->type) {
        case 's':
                r = sd_bus_message_append(m, "v", "s", p->value.s);
                break;
        case 'b':
                r = sd_bus_message_append(m, "v", "b", (int) p->value.b);
                break;
        case 't':
                r = sd_bus_message_append(m, "v", "t", p->value.t);
                break;
        case 'u':
                r = sd_bus_message_append(m, "v", "u", p->value.u);
                break;
        case 'i':
                r = sd_bus_message_append(m, "v", "i", p->value.i);
                break;
        case 'x':
                r = sd_bus_message_append(m, "v", "x", p->value.x);
                break;
        case 'S':
                r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, p->value.strv);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                break;
        case 'E':
                r = sd_bus_message_open_container(m, 'v', "a(sasas)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(sasas)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'r', "sasas");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", p->value.exec.path);
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, p->value.exec.argv);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "s");
                if (r >= 0 && p->value.exec.ignore_failure)
                        r = sd_bus_message_append(m, "s", "ignore-failure");
                if (r >= 0 && p->value.exec.no_env_expand)
                        r = sd_bus_message_append(m, "s", "no-env-expand");
                for (int i = 0; r >= 0 && i < 4; i++)
                        r = sd_bus_message_close_container(m);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_append_unit_properties(sd_bus_message *m, const UnitSpec *u) {
        int r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < u->n_props; i++) {
                r = bus_append_unit_property(m, &u->props[i]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

typedef enum SnapField {
        SNAP_STRING,
        SNAP_I32,
        SNAP_U32,
        SNAP_U64,
        SNAP_LOADED,
        SNAP_ID128,
} SnapField;

static const struct {
        const char *name;
        const char *sig;
        SnapField kind;
        size_t offset;
} snapshot_rows[] = {
        { "LoadState", "s", SNAP_LOADED, offsetof(UnitSnapshot, loaded) },
        { "ActiveState", "s", SNAP_STRING, offsetof(UnitSnapshot, active_state) },
        { "SubState", "s", SNAP_STRING, offsetof(UnitSnapshot, sub_state) },
        { "Result", "s", SNAP_STRING, offsetof(UnitSnapshot, result) },
        { "ExecMainCode", "i", SNAP_I32, offsetof(UnitSnapshot, exec_main_code) },
        { "ExecMainStatus", "i", SNAP_I32, offsetof(UnitSnapshot, exec_main_status) },
        { "NRestarts", "u", SNAP_U32, offsetof(UnitSnapshot, n_restarts) },
        { "MainPID", "u", SNAP_U32, offsetof(UnitSnapshot, main_pid) },
        { "ExecMainStartTimestamp", "t", SNAP_U64, offsetof(UnitSnapshot, exec_main_start_usec) },
        { "ExecMainExitTimestamp", "t", SNAP_U64, offsetof(UnitSnapshot, exec_main_exit_usec) },
        { "InvocationID", "ay", SNAP_ID128, offsetof(UnitSnapshot, invocation_id) },
};

static int read_row(sd_bus_message *reply, size_t row, UnitSnapshot *s) {
        void *field = (uint8_t *) s + snapshot_rows[row].offset;
        const char *str;
        const void *data;
        size_t sz;
        int r;

        switch (snapshot_rows[row].kind) {
        case SNAP_STRING:
        case SNAP_LOADED:
                r = sd_bus_message_read(reply, "s", &str);
                if (r < 0)
                        return r;
                if (snapshot_rows[row].kind == SNAP_LOADED) {
                        *(bool *) field = streq(str, "loaded");
                        return 0;
                }
                char *c = strdup(str);
                if (!c)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = c;
                return 0;
        case SNAP_I32:
                return sd_bus_message_read(reply, "i", (int32_t *) field);
        case SNAP_U32:
                return sd_bus_message_read(reply, "u", (uint32_t *) field);
        case SNAP_U64:
                return sd_bus_message_read(reply, "t", (uint64_t *) field);
        case SNAP_ID128:
                r = sd_bus_message_read_array(reply, 'y', &data, &sz);
                if (r < 0)
                        return r;
                s->invocation_id[0] = 0;
                if (sz == 16)
                        for (size_t i = 0; i < 16; i++)
                                sprintf(s->invocation_id + 2 * i, "%02x", ((const uint8_t *) data)[i]);
                return 0;
        }
        return -EINVAL;
}

/* Reply of Properties.GetAll (a{sv}); properties of Unit and Service interfaces may both appear. */
int bus_read_unit_snapshot(sd_bus_message *reply, UnitSnapshot *ret) {
        UnitSnapshot s = {};
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *name;
                size_t row = ELEMENTSOF(snapshot_rows);

                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        goto fail;
                for (size_t i = 0; i < ELEMENTSOF(snapshot_rows); i++)
                        if (streq(snapshot_rows[i].name, name)) {
                                row = i;
                                break;
                        }
                if (row < ELEMENTSOF(snapshot_rows) &&
                    sd_bus_message_verify_type(reply, 'v', snapshot_rows[row].sig) > 0) {
                        r = sd_bus_message_enter_container(reply, 'v', snapshot_rows[row].sig);
                        if (r >= 0)
                                r = read_row(reply, row, &s);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                goto fail;
        unit_snapshot_done(ret);
        *ret = s;
        return 0;
fail:
        unit_snapshot_done(&s);
        return r;
}
