/* SPDX-License-Identifier: Apache-2.0 */

/*
 * meta.k8s.io Table rendering: columnDefinitions from the type table, one row per object with the
 * cells computed by the type's cell functions and the row object as PartialObjectMetadata (default),
 * the full object (includeObject=Object) or nothing (None).
 */

#include "apiserver.h"
#include "macro.h"

json_object *table_new(const ResourceType *t, OutputKind kind, bool with_columns, const char *resource_version) {
        json_object *table = json_object_new_object(), *cols = json_object_new_array();

        json_object_object_add(table, "kind", json_object_new_string("Table"));
        json_object_object_add(table, "apiVersion", json_object_new_string(kind == OUTPUT_TABLE_V1BETA1
                                                                                   ? "meta.k8s.io/v1beta1"
                                                                                   : "meta.k8s.io/v1"));
        json_object *meta = json_object_new_object();
        if (resource_version)
                json_object_object_add(meta, "resourceVersion", json_object_new_string(resource_version));
        json_object_object_add(table, "metadata", meta);

        for (size_t i = 0; with_columns && i < t->n_columns; i++) {
                const PrinterColumn *c = t->columns + i;
                json_object *col = json_object_new_object();
                json_object_object_add(col, "name", json_object_new_string(c->name));
                json_object_object_add(col, "type", json_object_new_string(c->type));
                json_object_object_add(col, "format", json_object_new_string(c->format));
                json_object_object_add(col, "description", json_object_new_string(c->description));
                json_object_object_add(col, "priority", json_object_new_int(c->priority));
                json_object_array_add(cols, col);
        }
        json_object_object_add(table, "columnDefinitions", cols);
        json_object_object_add(table, "rows", json_object_new_array());
        return table;
}

int table_add_row(json_object *table, const ResourceType *t, json_object *obj, IncludeObject include,
                  uint64_t now_usec) {
        json_object *rows = json_get(table, "rows"), *row = json_object_new_object(), *cells = json_object_new_array();

        if (!row || !cells)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++)
                json_object_array_add(cells, t->columns[i].cell(obj, now_usec));
        json_object_object_add(row, "cells", cells);

        if (include == INCLUDE_OBJECT)
                json_object_object_add(row, "object", json_object_get(obj));
        else if (include == INCLUDE_METADATA) {
                json_object *pom = json_object_new_object(), *m = NULL;
                const char *tv = json_get_string(table, "apiVersion");

                json_object_object_add(pom, "kind", json_object_new_string("PartialObjectMetadata"));
                json_object_object_add(pom, "apiVersion", json_object_new_string(tv ?: "meta.k8s.io/v1"));
                if (json_object_object_get_ex(obj, "metadata", &m) && m) {
                        json_object *mc = NULL;
                        if (json_object_deep_copy(m, &mc, NULL) >= 0) {
                                json_object_object_del(mc, "managedFields");
                                json_object_object_add(pom, "metadata", mc);
                        }
                }
                json_object_object_add(row, "object", pom);
        }
        json_object_array_add(rows, row);
        return 0;
}
