#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Harness self-test (needs root, no kshim binaries): boots two private systemd nodes at once and checks
# that they are isolated from each other and from the host, and that teardown leaves nothing behind.
# shellcheck disable=SC2317  # check functions are invoked indirectly (lab_check)
set -euo pipefail

# shellcheck source=tests/harness/lab.sh
. "$(dirname "$0")/lab.sh"

lab_init

# a file in the host's /tmp that no node may touch (a naive private systemd would wipe it, see lab.sh)
# (named after the lab, so tests/run-all.sh can remove it if this script is SIGKILLed)
MARKER=$LAB.host-marker
echo "kshim-selftest $$" > "$MARKER"
cleanup_marker() { rm -f "$MARKER"; }
lab_on_teardown cleanup_marker
HOST_HOSTNAME=$(hostname)
RUN_ID=$(basename "$LAB")

boot_two_nodes() {
        local rc1=0 rc2=0 p1 p2
        lab_node_start n1 & p1=$!
        lab_node_start n2 --net & p2=$!
        wait "$p1" || rc1=$?
        wait "$p2" || rc2=$?
        [ "$rc1" = 0 ] && [ "$rc2" = 0 ]
        echo "# boot times: n1 $(cat "$LAB/n1/boot-ms") ms, n2 $(cat "$LAB/n2/boot-ms") ms (booted concurrently)"
}

check_hostnames() {
        assert_eq n1 "$(lab_node_exec n1 hostname)" "hostname inside n1"
        assert_eq n2 "$(lab_node_exec n2 hostname)" "hostname inside n2"
        assert_eq "$HOST_HOSTNAME" "$(hostname)" "host hostname unchanged"
        assert_eq n1 "$(lab_node_exec n1 hostnamectl --static 2>/dev/null || lab_node_exec n1 cat /etc/hostname)" \
                "static hostname inside n1"
}

check_masks() {
        local n u
        for n in n1 n2; do
                for u in systemd-tmpfiles-setup.service systemd-sysctl.service systemd-sysusers.service; do
                        assert_eq "LoadState=masked" "$(lab_node_systemctl "$n" show -p LoadState "$u")" "$u in $n"
                done
                assert_eq "ActiveState=inactive" "$(lab_node_systemctl "$n" show -p ActiveState systemd-tmpfiles-setup.service)" \
                        "tmpfiles-setup not run in $n"
        done
}

check_private_tmp() {
        # the node has its own /tmp (host marker invisible) but still sees $LAB
        lab_node_exec n1 test ! -e "$MARKER"
        lab_node_exec n1 test -f "$LAB/pids"
        # and the source tree (binaries, fixtures), even when the checkout lives in /tmp
        lab_node_exec n1 test -f "$LAB_LIB"
        assert_eq tmpfs "$(lab_node_exec n1 findmnt -n -o FSTYPE /tmp)" "/tmp in n1"
        assert_eq tmpfs "$(lab_node_exec n1 findmnt -n -o FSTYPE /var/lib/systemd)" "/var/lib/systemd in n1"
        # and the host's /tmp is not a tmpfs mount of ours
        assert_eq "" "$(findmnt -n -o FSTYPE /tmp | grep -x tmpfs || true)" "host /tmp not shadowed"
}

journal_has() {  # NODE UNIT TEXT
        lab_node_journalctl "$1" -u "$2" -o cat 2>/dev/null | grep -qxF "$3"
}

check_journald() {
        local mark1="marker-n1-$RUN_ID" mark2="marker-n2-$RUN_ID"
        lab_node_exec n1 systemd-run -q --unit=selftest-marker -p Type=oneshot /bin/sh -c "echo $mark1"
        lab_node_exec n2 systemd-run -q --unit=selftest-marker -p Type=oneshot /bin/sh -c "echo $mark2"
        wait_for 10 journal_has n1 selftest-marker.service "$mark1"
        wait_for 10 journal_has n2 selftest-marker.service "$mark2"
        # each node has its own journal
        assert_not_contains "$(lab_node_journalctl n2 -u selftest-marker.service -o cat)" "$mark1" "n2 journal"
        # the journal is volatile, in the node's /run (visible from the host under $LAB/n1/run)
        journalctl --no-pager -D "$LAB/n1/run/log/journal" -u selftest-marker.service -o cat | grep -qxF "$mark1"
}

check_machine_ids() {
        local m1 m2
        m1=$(lab_node_exec n1 cat /etc/machine-id)
        m2=$(lab_node_exec n2 cat /etc/machine-id)
        assert_match "$m1" '^[0-9a-f]{32}$' "n1 machine-id"
        [ "$m1" != "$m2" ] || { echo "machine-ids equal: $m1"; return 1; }
        [ "$m1" != "$(cat /etc/machine-id)" ] || { echo "n1 uses the host machine-id"; return 1; }
}

cg_has_procs() {  # cgroupfs files have st_size 0, so read them
        [ -n "$(cat "$1/cgroup.procs" 2>/dev/null)" ]
}

check_cgroups() {
        local cg1 cg2 main
        main=$(lab__cg_main)
        cg1=$(lab_node_systemctl n1 show -p ControlGroup --value init.scope)
        cg2=$(lab_node_systemctl n2 show -p ControlGroup --value init.scope)
        assert_eq "/$LAB_PREFIX-n1/init.scope" "$cg1" "n1 init.scope cgroup"
        assert_eq "/$LAB_PREFIX-n2/init.scope" "$cg2" "n2 init.scope cgroup"
        # the same unit name in both nodes lands in two different cgroups
        lab_node_exec n1 systemd-run -q --unit=same-name -p MemoryMax=48M sleep 300
        lab_node_exec n2 systemd-run -q --unit=same-name -p MemoryMax=48M sleep 300
        wait_for 5 cg_has_procs "$main/$LAB_PREFIX-n1/system.slice/same-name.service"
        wait_for 5 cg_has_procs "$main/$LAB_PREFIX-n2/system.slice/same-name.service"
        if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
                assert_eq 50331648 "$(cat "/sys/fs/cgroup/memory/$LAB_PREFIX-n1/system.slice/same-name.service/memory.limit_in_bytes")" \
                        "MemoryMax in n1"
        fi
        # nothing of the nodes at the host's root cgroup
        [ ! -e "$main/init.scope" ] || [ -z "$(cat "$main/init.scope/cgroup.procs")" ]
}

check_netns() {
        # n1 shares the host netns, n2 (--net) has only lo
        assert_eq "$(readlink /proc/self/ns/net)" "$(lab_node_exec n1 readlink /proc/self/ns/net)" "n1 netns"
        assert_eq lo "$(lab_node_exec n2 ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ' | sed 's/ $//')" \
                "links in n2"
}

check_marker() {
        assert_eq "kshim-selftest $$" "$(cat "$MARKER")" "host /tmp marker"
}

if lab_step "two nodes boot concurrently (n1 host netns, n2 --net)" boot_two_nodes; then
        lab_check "hostnames are the node names (UTS namespaces)" check_hostnames
        lab_check "early-boot units are masked (tmpfiles-setup never ran)" check_masks
        lab_check "nodes have a private /tmp and still see \$LAB" check_private_tmp
        lab_check "journald works per node (systemd-run marker, journalctl)" check_journald
        lab_check "per-node machine-ids" check_machine_ids
        lab_check "per-node cgroups (/$LAB_PREFIX-n1, /$LAB_PREFIX-n2)" check_cgroups
        lab_check "network namespaces (n1 host, n2 own with only lo)" check_netns
else
        lab_fail_rest "hostnames" "masks" "private /tmp" "journald" "machine-ids" "cgroups" "netns"
fi
lab_check "host /tmp marker survives running nodes" check_marker

# explicit teardown, then check that it left nothing behind
SAVED_LAB=$LAB
SAVED_PIDS=$(awk '{print $3 ":" $4}' "$LAB/pids")
# shellcheck disable=SC2034
LAB_TEARDOWN_HOOKS=()  # the marker outlives the lab: it is checked after teardown
trap cleanup_marker EXIT
trap 'cleanup_marker; exit 130' INT
trap 'cleanup_marker; exit 143' TERM
lab_teardown
check_no_cgroups() {
        local left
        left=$(lab_cgroup_leftovers)
        assert_eq "" "$left" "cgroup dirs left"
}
check_no_processes() {
        local e
        for e in $SAVED_PIDS; do
                if lab__alive "${e%%:*}" "${e##*:}"; then
                        echo "process ${e%%:*} still alive: $(tr '\0' ' ' < "/proc/${e%%:*}/cmdline")"
                        return 1
                fi
        done
}
lab_check "teardown leaves no cgroup dirs" check_no_cgroups
lab_check "teardown leaves no recorded process alive" check_no_processes
lab_check "teardown removes the lab dir" test ! -e "$SAVED_LAB"
lab_check "host /tmp marker survives teardown" check_marker
cleanup_marker
lab_finish
