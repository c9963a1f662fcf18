/* SPDX-License-Identifier: Apache-2.0 */

/* kshim-nodeagent: main() only; everything else is in the nodeagent-core library. */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "kshim-config.h"
#include "log.h"
#include "nodeagent.h"

static void help(void) {
        printf("kshim-nodeagent --server http://127.0.0.1:PORT --node-name NAME [OPTIONS]\n\n"
               "  --server URL        API server base URL\n"
               "  --node-name NAME    Node object name\n"
               "  --node-ip IP        InternalIP (default 127.0.0.1)\n"
               "  --state-dir DIR     agent state (default /var/lib/kshim-nodeagent; statvfs for ephemeral-storage)\n"
               "  --bus-address ADDR  talk to systemd via this bus (bus-client mode), default: system bus\n"
               "  --log-level LEVEL   debug|info|notice|warning|err\n"
               "  --version\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_SERVER = 0x100, ARG_NODE_NAME, ARG_NODE_IP, ARG_STATE_DIR, ARG_BUS_ADDRESS, ARG_LOG_LEVEL, ARG_VERSION };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "server", required_argument, NULL, ARG_SERVER },
                { "node-name", required_argument, NULL, ARG_NODE_NAME },
                { "node-ip", required_argument, NULL, ARG_NODE_IP },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        _cleanup_(manager_freep) Manager *m = NULL;
        sd_event *e = NULL;
        int r, c;
        const char *server = NULL, *node = NULL, *ip = "127.0.0.1", *state = "/var/lib/kshim-nodeagent", *bus = NULL;

        log_set_ident("kshim-nodeagent");
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_SERVER:
                        server = optarg;
                        break;
                case ARG_NODE_NAME:
                        node = optarg;
                        break;
                case ARG_NODE_IP:
                        ip = optarg;
                        break;
                case ARG_STATE_DIR:
                        state = optarg;
                        break;
                case ARG_BUS_ADDRESS:
                        bus = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_parse_level(optarg);
                        if (r < 0) {
                                log_error("Unknown log level '%s'", optarg);
                                return 2;
                        }
                        log_set_max_level(r);
                        break;
                case ARG_VERSION:
                        printf("kshim-nodeagent %s\n", KSHIM_VERSION);
                        return 0;
                default:
                        return 2;
                }
        if (!server || !node || optind < argc) {
                help();
                return 2;
        }

        r = sd_event_default(&e);
        if (r < 0)
                return log_error_errno(r, "sd_event_default: %m"), 1;
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        (void) sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = manager_new(e, &m);
        if (r < 0)
                return log_oom(), 1;
        m->server = strdup(server);
        m->node_name = strdup(node);
        m->node_ip = strdup(ip);
        m->state_dir = strdup(state);
        m->bus_address = bus ? strdup(bus) : NULL;
        if (!m->server || !m->node_name || !m->node_ip || !m->state_dir || (bus && !m->bus_address))
                return log_oom(), 1;

        r = manager_start(m);
        if (r < 0) {
                sd_event_unref(e);
                return 1;
        }
        (void) sd_notify(0, "READY=1");
        log_info("kshim-nodeagent %s: node '%s', API server %s", KSHIM_VERSION, node, server);
        r = sd_event_loop(e);
        /* units keep running; a restarted agent adopts them */
        m = manager_free(m);
        sd_event_unref(e);
        return r < 0 ? 1 : 0;
}
