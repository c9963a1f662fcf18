/* SPDX-License-Identifier: Apache-2.0 */

/* kshim-translate [--cgroup-v1] POD.yaml|POD.json|-   → prints the UnitPlan as unit-file-like text (dry run).
 * kshim-translate --rows                 → prints the mapping table (Markdown, for docs/TRANSLATION.md). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "translate.h"

static int read_all(FILE *f, char **ret, size_t *ret_len) {
        char *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (len + 4096 > cap) {
                        if (cap > 16u * 1024u * 1024u) {
                                free(buf);
                                return -E2BIG;
                        }
                        cap = cap ? cap * 2 : 16384;
                        char *n = realloc(buf, cap);
                        if (!n) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = n;
                }
                size_t k = fread(buf + len, 1, cap - len - 1, f);
                len += k;
                if (k == 0)
                        break;
        }
        if (ferror(f)) {
                free(buf);
                return -EIO;
        }
        buf[len] = 0;
        *ret = buf;
        *ret_len = len;
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *buf = NULL, *error = NULL;
        _cleanup_(json_object_putp) json_object *pod = NULL;
        _cleanup_(unit_plan_freep) UnitPlan *plan = NULL;
        size_t len;
        int r;

        bool v1 = argc == 3 && streq(argv[1], "--cgroup-v1");
        if (v1) {
                argv++;
                argc--;
        }
        if (argc != 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                fprintf(argc == 2 ? stdout : stderr, "usage: %s [--cgroup-v1] POD.yaml|POD.json|-\n       %s --rows\n",
                        argv[0], argv[0]);
                return argc == 2 ? 0 : 2;
        }
        if (streq(argv[1], "--rows"))
                return translate_rows_to_markdown(stdout) < 0 ? 1 : 0;

        FILE *f = streq(argv[1], "-") ? stdin : fopen(argv[1], "re");
        if (!f) {
                fprintf(stderr, "%s: %m\n", argv[1]);
                return 1;
        }
        r = read_all(f, &buf, &len);
        if (f != stdin)
                fclose(f);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        /* YAML is a superset of JSON, but take the strict path when the input is JSON */
        const char *p = buf + strspn(buf, " \t\r\n");
        r = *p == '{' ? json_parse(buf, len, &pod, &error) : yaml_to_json(buf, len, &pod, &error);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], error ? error : strerror(-r));
                return 1;
        }
        TranslateContext ctx = { .node_name = "node", .node_ip = "127.0.0.1", .cgroup_v1 = v1 };
        r = translate_pod(pod, &ctx, &plan, &error);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], error ? error : strerror(-r));
                return 1;
        }
        return unit_plan_to_text(plan, stdout) < 0 ? 1 : 0;
}
