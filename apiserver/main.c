/* SPDX-License-Identifier: Apache-2.0 */

/*
 * kshim-apiserver --listen 127.0.0.1:PORT --state-dir DIR [--log-level debug|info]
 *
 * Opens the store, bootstraps the system namespaces, serves HTTP on sd-event. SIGTERM/SIGINT: flush the
 * store and exit 0. Sends sd_notify READY=1 once listening. All logic lives in the apiserver-core library.
 */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "apiserver.h"
#include "log.h"
#include "macro.h"

static const char *arg_listen = "127.0.0.1:6443";
static const char *arg_state_dir = NULL;

static void help(void) {
        printf("kshim-apiserver --listen ADDR:PORT --state-dir DIR [--log-level debug|info|notice|warning|err]\n");
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "listen", required_argument, NULL, 'l' },
                { "state-dir", required_argument, NULL, 's' },
                { "log-level", required_argument, NULL, 'L' },
                {},
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'l':
                        arg_listen = optarg;
                        break;
                case 's':
                        arg_state_dir = optarg;
                        break;
                case 'L':
                        r = log_parse_level(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Invalid log level '%s'.", optarg);
                        log_set_max_level(r);
                        break;
                default:
                        return -EINVAL;
                }
        if (!arg_state_dir)
                return log_error_errno(-EINVAL, "--state-dir is required.");
        return 1;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("Received signal, shutting down.");
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(store_freep) Store *store = NULL;
        _cleanup_(server_freep) Server *server = NULL;
        sigset_t mask;
        int r;

        log_set_ident("kshim-apiserver");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 1 : 0;

        r = sd_event_default(&e);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate event loop: %m"), 1;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        (void) sd_event_add_signal(e, NULL, SIGTERM, on_signal, NULL);
        (void) sd_event_add_signal(e, NULL, SIGINT, on_signal, NULL);

        StoreOptions opts = { .dir = arg_state_dir, .event = e };
        r = store_open(&opts, &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open store in %s: %m", arg_state_dir), 1;

        r = server_new(e, store, &server);
        if (r < 0)
                return log_error_errno(r, "Failed to create server: %m"), 1;
        r = server_bootstrap(server);
        if (r < 0)
                return 1;
        r = server_listen(server, arg_listen);
        if (r < 0)
                return log_error_errno(r, "Failed to listen on %s: %m", arg_listen), 1;

        log_info("Listening on %s, state in %s.", arg_listen, arg_state_dir);
        (void) sd_notify(false, "READY=1");

        r = sd_event_loop(e);
        (void) sd_notify(false, "STOPPING=1");
        server = server_free(server);
        int k = store_flush(store);
        if (k < 0)
                log_error_errno(k, "Failed to flush store: %m");
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), 1;
        return k < 0 ? 1 : 0;
}
