/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Replay driver for the fuzz targets in the normal build: feeds every regular file named on the command line,
 * or found (non-recursively) in a directory named there, to LLVMFuzzerTestOneInput(). A crash or sanitizer
 * report fails the test; so the seed corpus and any reproducer dropped into fuzz/corpus/<name>/ run on every
 * `meson test --suite fuzz-replay`.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path) {
        uint8_t *buf;
        size_t n;
        FILE *f;

        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        buf = malloc(FUZZ_MAX_INPUT + 1);
        if (!buf) {
                fclose(f);
                return -1;
        }
        n = fread(buf, 1, FUZZ_MAX_INPUT + 1, f);
        if (ferror(f)) {
                fprintf(stderr, "%s: read error\n", path);
                free(buf);
                fclose(f);
                return -1;
        }
        fclose(f);
        (void) LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        return 0;
}

static int filter_hidden(const struct dirent *de) {
        return de->d_name[0] != '.';
}

int main(int argc, char *argv[]) {
        unsigned n_files = 0;
        int ret = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
                return 2;
        }

        for (int i = 1; i < argc; i++) {
                struct dirent **list;
                struct stat st;
                int n;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (replay_file(argv[i]) < 0)
                                ret = 1;
                        n_files++;
                        continue;
                }

                n = scandir(argv[i], &list, filter_hidden, alphasort);
                if (n < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                for (int k = 0; k < n; k++) {
                        char path[4096];
                        struct stat fst;

                        snprintf(path, sizeof path, "%s/%s", argv[i], list[k]->d_name);
                        if (stat(path, &fst) == 0 && S_ISREG(fst.st_mode)) {
                                if (replay_file(path) < 0)
                                        ret = 1;
                                n_files++;
                        }
                        free(list[k]);
                }
                free(list);
        }

        printf("replayed %u input(s)\n", n_files);
        if (n_files == 0) {
                fprintf(stderr, "no inputs found\n");
                return 1;
        }
        return ret;
}
