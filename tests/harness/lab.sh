# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# kshim test lab: a bash library that end-to-end tests source.
#
#   . tests/harness/lab.sh
#   lab_init                      # unique $LAB under /tmp, teardown trap (EXIT INT TERM)
#   lab_apiserver_start           # kshim-apiserver on 127.0.0.1:<free port>, $LAB/kubeconfig, KUBECONFIG
#   lab_node_start n1 [--net]     # private systemd "node" in its own PID+mount+UTS(+net) namespaces
#   lab_agent_start n1            # kshim-nodeagent inside n1's PID+mount namespaces
#   lab_check "desc" func args    # TAP line: ok N - desc / not ok N - desc
#   lab_finish                    # plan + summary, exit status
#
# Design notes (read docs/../shared private-systemd notes §0 before changing the node code):
# - A private systemd booted naively runs systemd-tmpfiles-setup.service, which empties the HOST's /tmp
#   (it is a plain directory on the root disk here). Every node therefore gets (a) a unit folder that masks
#   all early-boot units touching host-global state (LAB_NODE_MASKS) and (b) private tmpfs mounts on /tmp,
#   /var/tmp, /var/log/journal, /var/lib/systemd and /var/lib/private, made in a mount namespace whose
#   propagation is private. $LAB stays visible inside the node (bind + mount --move across the tmpfs).
# - Each node lives in its own cgroup "/<basename $LAB>-<node>" in every mounted hierarchy, so the node's
#   systemd does not take the host's root cgroup, two nodes (and two labs) never collide, and every process
#   a lab leaves behind can be found (and killed: it is ours by construction) through those cgroups.
# - All lab state is kept in files under $LAB (not only in shell variables), so lab functions also work from
#   subshells, e.g. `lab_node_start n1 & lab_node_start n2 & wait`.
# - Every PID the lab starts is recorded in $LAB/pids together with its start time; teardown only signals a
#   recorded PID when its start time still matches (no PID-reuse accidents). Never pkill/killall.
# - The library does not change the caller's shell options. Its larger functions run with `local -; set +e`
#   and check errors explicitly, so they behave the same with or without the caller's `set -e` (which bash
#   ignores inside `if`/`||` contexts anyway, and which must not abort a teardown half-way).
# - `systemctl is-system-running --wait` hung once for 30 s through the node's dbus (missed signal), so
#   node readiness is polled.

LAB_LIB=$(readlink -f "${BASH_SOURCE[0]}")
LAB_LIB_DIR=$(dirname "$LAB_LIB")
KSHIM_SRC=${KSHIM_SRC:-$(cd "$LAB_LIB_DIR/../.." && pwd)}
KSHIM_BUILD=${KSHIM_BUILD:-$KSHIM_SRC/build}
KSHIM_APISERVER_BIN=${KSHIM_APISERVER_BIN:-$KSHIM_BUILD/apiserver/kshim-apiserver}
KSHIM_NODEAGENT_BIN=${KSHIM_NODEAGENT_BIN:-$KSHIM_BUILD/nodeagent/kshim-nodeagent}
LAB_NODE_BOOT_TIMEOUT=${LAB_NODE_BOOT_TIMEOUT:-30}
LAB_READY_TIMEOUT=${LAB_READY_TIMEOUT:-20}

# Early-boot units a private node must never run: they act on host-global state (tmpfiles-setup would wipe
# the host's /tmp; sysctl, modules, binfmt, sysusers, random-seed, utmp, ...) or make no sense in a node.
LAB_NODE_MASKS=(
        systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service
        systemd-tmpfiles-clean.service systemd-tmpfiles-clean.timer
        systemd-sysctl.service systemd-sysusers.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount
        systemd-modules-load.service kmod-static-nodes.service systemd-firstboot.service
        systemd-machine-id-commit.service systemd-random-seed.service systemd-update-utmp.service
        systemd-update-utmp-runlevel.service systemd-repart.service systemd-pstore.service
        systemd-timesyncd.service systemd-journald-audit.socket systemd-journald-dev-log.socket
        dev-hugepages.mount dev-mqueue.mount sys-kernel-config.mount sys-kernel-debug.mount
        sys-kernel-tracing.mount sys-fs-fuse-connections.mount systemd-ask-password-console.path
        systemd-ask-password-wall.path systemd-initctl.socket systemd-hwdb-update.service
        systemd-journal-catalog-update.service ldconfig.service systemd-update-done.service
        systemd-remount-fs.service e2scrub_reap.service cron.service apt-daily.timer apt-daily-upgrade.timer
        man-db.timer logrotate.timer fstrim.timer e2scrub_all.timer dpkg-db-backup.timer
        systemd-logind.service getty.target console-getty.service
)

# ------------------------------------------------------------------------------------------------ logging

lab_log() {
        printf '# [lab %s] %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2
}

lab_die() {
        lab_log "ERROR: $*"
        return 1
}

lab__now_ms() {
        local s
        s=$(date +%s%N)
        echo $((s / 1000000))
}

lab__python() {
        if [ -x /usr/bin/python3 ]; then /usr/bin/python3 "$@"; else python3 "$@"; fi
}

# ------------------------------------------------------------------------------------------ polling, TAP

# wait_for TIMEOUT_SECONDS cmd...: run cmd every WAIT_INTERVAL (0.1 s) until it succeeds; 1 on timeout.
wait_for() {
        local timeout=$1 deadline
        shift
        deadline=$(($(lab__now_ms) + timeout * 1000))
        while :; do
                if "$@"; then
                        return 0
                fi
                if [ "$(lab__now_ms)" -ge "$deadline" ]; then
                        lab_log "wait_for: timed out after ${timeout}s: $*"
                        return 1
                fi
                sleep "${WAIT_INTERVAL:-0.1}"
        done
}

assert_eq() {  # EXPECTED ACTUAL [WHAT]
        if [ "$1" != "$2" ]; then
                printf 'ASSERTION FAILED: %s\n  expected: %q\n  actual:   %q\n' "${3:-values differ}" "$1" "$2" >&2
                return 1
        fi
}

assert_contains() {  # HAYSTACK NEEDLE [WHAT]
        case "$1" in
        *"$2"*) return 0 ;;
        esac
        printf 'ASSERTION FAILED: %s\n  expected to contain: %q\n  actual: %s\n' "${3:-missing substring}" "$2" "$1" >&2
        return 1
}

assert_not_contains() {  # HAYSTACK NEEDLE [WHAT]
        case "$1" in
        *"$2"*)
                printf 'ASSERTION FAILED: %s\n  expected NOT to contain: %q\n  actual: %s\n' "${3:-unexpected substring}" "$2" "$1" >&2
                return 1 ;;
        esac
        return 0
}

assert_line_match() {  # TEXT ERE [WHAT]: some line of TEXT matches ERE
        if ! printf '%s\n' "$1" | grep -qE -- "$2"; then
                printf 'ASSERTION FAILED: %s\n  expected a line matching: %s\n  actual:\n%s\n' "${3:-no line matches}" "$2" "$1" >&2
                return 1
        fi
}

assert_match() {  # STRING ERE [WHAT]
        if ! [[ $1 =~ $2 ]]; then
                printf 'ASSERTION FAILED: %s\n  expected to match: %s\n  actual: %s\n' "${3:-no match}" "$2" "$1" >&2
                return 1
        fi
}

LAB_T_N=0
LAB_T_FAILED=0

lab__tap() {  # ok|not-ok DESC [OUTPUT]
        LAB_T_N=$((LAB_T_N + 1))
        if [ "$1" = ok ]; then
                echo "ok $LAB_T_N - $2"
        else
                LAB_T_FAILED=$((LAB_T_FAILED + 1))
                echo "not ok $LAB_T_N - $2"
                if [ -n "${3:-}" ]; then
                        printf '%s\n' "$3" | sed 's/^/#   /'
                fi
        fi
}

# lab_check DESC cmd...: run cmd in a subshell with `set -e` in force (so every failing command or assertion
# fails the test), print its output only when it fails. Variables set by cmd do not survive; keep state in
# files under $LAB, or use lab_step.
lab_check() {
        local desc=$1 out rc t0 errexit=0
        shift
        case $- in *e*) errexit=1 ;; esac
        set +e
        t0=$(lab__now_ms)
        out=$(set -e; "$@" 2>&1)
        rc=$?
        [ "$errexit" = 1 ] && set -e
        if [ "$rc" = 0 ]; then
                lab__tap ok "$desc"
                # comment lines (timings, notes) are shown always, everything else with LAB_VERBOSE=1
                if [ -n "${LAB_VERBOSE:-}" ]; then
                        [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
                else
                        printf '%s\n' "$out" | grep '^# ' || true
                fi
        else
                lab__tap not-ok "$desc (rc=$rc, $(($(lab__now_ms) - t0)) ms)" "$out"
        fi
        return 0
}

# lab_step DESC cmd...: like lab_check but runs cmd in the current shell (for set-up steps that export
# variables). cmd must return non-zero itself on failure. Returns cmd's status.
lab_step() {
        local desc=$1 rc errexit=0
        shift
        case $- in *e*) errexit=1 ;; esac
        set +e
        "$@"
        rc=$?
        [ "$errexit" = 1 ] && set -e
        if [ "$rc" = 0 ]; then lab__tap ok "$desc"; else lab__tap not-ok "$desc (rc=$rc)"; fi
        return "$rc"
}

# lab_skip_rest DESC...: report each DESC as failed because a prerequisite failed.
lab_fail_rest() {
        local d
        for d in "$@"; do
                lab__tap not-ok "$d (not run: prerequisite failed)"
        done
}

# lab_finish: print the TAP plan and a summary; exit non-zero if anything failed (runs the EXIT trap).
lab_finish() {
        echo "1..$LAB_T_N"
        echo "# $((LAB_T_N - LAB_T_FAILED)) passed, $LAB_T_FAILED failed"
        if [ "$LAB_T_FAILED" -ne 0 ] || [ "$LAB_T_N" -eq 0 ]; then
                exit 1
        fi
        exit 0
}

# ------------------------------------------------------------------------------------------ PID registry

lab__starttime() {  # PID -> start time in clock ticks (field 22 of /proc/PID/stat), empty if gone
        local stat
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        # shellcheck disable=SC2086
        set -- $stat
        echo "${20}"
}

lab__alive() {  # PID STARTTIME
        local st
        st=$(lab__starttime "$1") || return 1
        [ -n "$st" ] && [ "$st" = "$2" ] || return 1
        # a zombie has exited already
        [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z ]
}

lab__record_pid() {  # ROLE NAME PID
        local st
        st=$(lab__starttime "$3") || st=0
        echo "$1 $2 $3 $st" >> "$LAB/pids"
}

lab__pid_of() {  # ROLE NAME -> "PID STARTTIME" of the last record
        [ -f "$LAB/pids" ] || return 1
        awk -v r="$1" -v n="$2" '$1 == r && $2 == n { p = $3 " " $4 } END { if (p == "") exit 1; print p }' "$LAB/pids"
}

# lab__stop_pid PID STARTTIME [TIMEOUT_S]: SIGTERM, wait, SIGKILL. Only if the start time still matches.
lab__stop_pid() {
        local -
        set +e +o pipefail
        local pid=$1 st=$2 timeout=${3:-10} i
        lab__alive "$pid" "$st" || return 0
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < timeout * 20; i++)); do
                lab__alive "$pid" "$st" || break
                sleep 0.05
        done
        if lab__alive "$pid" "$st"; then
                lab_log "pid $pid did not exit after SIGTERM, sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null
                for ((i = 0; i < 100; i++)); do
                        lab__alive "$pid" "$st" || break
                        sleep 0.05
                done
        fi
        wait "$pid" 2>/dev/null
        return 0
}

lab__kill9_pid() {  # PID STARTTIME
        local -
        set +e +o pipefail
        lab__alive "$1" "$2" || return 0
        kill -KILL "$1" 2>/dev/null
        local i
        for ((i = 0; i < 100; i++)); do
                lab__alive "$1" "$2" || break
                sleep 0.05
        done
        wait "$1" 2>/dev/null
        return 0
}

# ------------------------------------------------------------------------------------------------ cgroups

# Mounted cgroup hierarchies (real directories with cgroup.procs; aliases such as cpu -> cpu,cpuacct skipped).
lab_cgroup_hierarchies() {
        local d
        if [ -f /sys/fs/cgroup/cgroup.procs ]; then
                echo /sys/fs/cgroup  # pure cgroup v2
                return 0
        fi
        for d in /sys/fs/cgroup/*; do
                [ -L "$d" ] && continue
                [ -f "$d/cgroup.procs" ] || continue
                echo "$d"
        done
}

# The hierarchy whose tree names every process (name=systemd on v1/hybrid, else the v2 one).
lab__cg_main() {
        if [ -f /sys/fs/cgroup/systemd/cgroup.procs ]; then echo /sys/fs/cgroup/systemd
        elif [ -f /sys/fs/cgroup/unified/cgroup.procs ]; then echo /sys/fs/cgroup/unified
        else echo /sys/fs/cgroup
        fi
}

# lab__cg_enter CGNAME: move the calling (sub)shell into /CGNAME in every hierarchy.
lab__cg_enter() {
        local h d
        for h in $(lab_cgroup_hierarchies); do
                d=$h/$1
                mkdir -p "$d" || return 1
                if [ -f "$d/cpuset.cpus" ]; then
                        # a new v1 cpuset starts empty and refuses tasks until cpus/mems are set
                        [ -n "$(cat "$d/cpuset.cpus")" ] || cat "$h/cpuset.cpus" > "$d/cpuset.cpus"
                        [ -n "$(cat "$d/cpuset.mems")" ] || cat "$h/cpuset.mems" > "$d/cpuset.mems"
                fi
                echo "$BASHPID" > "$d/cgroup.procs" || return 1
        done
}

# PIDs in cgroup dir DIR and below.
lab__cg_pids() {
        [ -d "$1" ] || return 0
        find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null
}

# lab__cg_remove CGNAME: kill whatever is left in /CGNAME (ours by construction), remove it depth-first.
lab__cg_remove() {
        local -
        set +e +o pipefail
        local h d pids i left=0
        for ((i = 0; i < 50; i++)); do
                pids=$(lab__cg_pids "$(lab__cg_main)/$1")
                for h in $(lab_cgroup_hierarchies); do
                        pids="$pids $(lab__cg_pids "$h/$1")"
                done
                pids=$(echo "$pids" | tr ' ' '\n' | sed '/^$/d' | sort -u)
                [ -z "$pids" ] && break
                [ "$i" = 0 ] && lab_log "cgroup /$1 still has processes, SIGKILL: $(echo "$pids" | tr '\n' ' ')"
                # shellcheck disable=SC2086
                kill -KILL $pids 2>/dev/null
                sleep 0.1
        done
        for h in $(lab_cgroup_hierarchies); do
                d=$h/$1
                # a cgroup whose last task is still exiting refuses rmdir (EBUSY) for a moment
                for ((i = 0; i < 50; i++)); do
                        [ -d "$d" ] || break
                        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
                        [ -d "$d" ] && sleep 0.1
                done
                if [ -d "$d" ]; then
                        lab_log "could not remove cgroup $d"
                        left=1
                fi
        done
        return "$left"
}

# All cgroup directories of this lab, in every hierarchy.
lab_cgroup_leftovers() {
        local h
        [ -n "${LAB_PREFIX:-}" ] || return 0
        for h in $(lab_cgroup_hierarchies); do
                compgen -G "$h/$LAB_PREFIX-*" || true
        done
}

# -------------------------------------------------------------------------------------------------- init

LAB_TEARDOWN_HOOKS=()

# lab_on_teardown CMD...: run "CMD..." (eval'd) during teardown, before the lab dir is removed.
lab_on_teardown() {
        LAB_TEARDOWN_HOOKS+=("$*")
}

lab__on_signal() {
        trap - INT TERM HUP
        lab_log "caught SIG$1, tearing down"
        lab_teardown
        trap - EXIT
        case $1 in
        INT) exit 130 ;;
        HUP) exit 129 ;;
        esac
        exit 143
}

# lab_init: create $LAB (or adopt an existing LAB=dir with LAB_ADOPT=1), install the teardown trap.
lab_init() {
        local -
        set +e +o pipefail
        if [ "$(id -u)" != 0 ]; then
                lab_die "the lab needs root (namespaces, cgroups, private systemd)"
                return 1
        fi
        if [ -n "${LAB_ADOPT:-}" ] && [ -n "${LAB:-}" ]; then
                mkdir -p "$LAB" || return 1
        else
                LAB=$(mktemp -d /tmp/kshim-lab.XXXXXX) || return 1
        fi
        LAB=$(readlink -f "$LAB")
        LAB_PREFIX=${LAB_PREFIX:-$(basename "$LAB")}
        export LAB LAB_PREFIX
        touch "$LAB/pids"
        echo "$LAB_PREFIX" > "$LAB/prefix"
        # tests/run-all.sh sweeps every lab listed here after the scripts ended (even if SIGKILLed)
        [ -n "${KSHIM_LAB_REGISTRY:-}" ] && echo "$LAB" >> "$KSHIM_LAB_REGISTRY"
        # kubectl's discovery cache stays in the lab, not in $HOME
        export KUBECACHEDIR=$LAB/kube-cache
        if [ -z "${LAB_NO_TRAP:-}" ]; then
                trap lab_teardown EXIT
                trap 'lab__on_signal INT' INT
                trap 'lab__on_signal TERM' TERM
                trap 'lab__on_signal HUP' HUP
        fi
        lab_log "lab $LAB (cgroup prefix /$LAB_PREFIX-*)"
}

# ------------------------------------------------------------------------------------------- API server

lab__free_port() {
        local p
        p=$(lab__python -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null)
        if [ -z "$p" ]; then
                for _ in $(seq 1 50); do
                        p=$((20000 + RANDOM % 40000))
                        ss -Htln "sport = :$p" 2>/dev/null | grep -q . || break
                done
        fi
        echo "$p"
}

lab_apiserver_ready() {
        [ "$(curl -sS --max-time 1 "http://127.0.0.1:${KSHIM_PORT:?}/readyz" 2>/dev/null)" = ok ]
}

lab__write_kubeconfig() {  # FILE SERVER
        cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kshim
  cluster:
    server: $2
contexts:
- name: kshim
  context:
    cluster: kshim
    user: kshim
    namespace: default
current-context: kshim
users:
- name: kshim
  user: {}
EOF
}

# lab__apiserver_launch PORT: start the binary on PORT, record the PID, wait for /readyz.
lab__apiserver_launch() {
        local -
        set +e +o pipefail
        local port=$1 pid st t0 detach=()
        [ -x "$KSHIM_APISERVER_BIN" ] || { lab_die "no API server binary at $KSHIM_APISERVER_BIN"; return 1; }
        mkdir -p "$LAB/apiserver" || return 1
        [ -n "${LAB_DETACH:-}" ] && detach=(setsid)
        echo "--- $(date -u +%FT%T) start on 127.0.0.1:$port" >> "$LAB/apiserver.log"
        # KSHIM_APISERVER_ARGS: extra flags, split on blanks
        # shellcheck disable=SC2086
        "${detach[@]}" "$KSHIM_APISERVER_BIN" --listen "127.0.0.1:$port" --state-dir "$LAB/apiserver" \
                ${KSHIM_APISERVER_ARGS:-} >> "$LAB/apiserver.log" 2>&1 < /dev/null &
        pid=$!
        lab__record_pid apiserver apiserver "$pid"
        disown "$pid" 2>/dev/null  # no "Killed" job notice after lab_apiserver_kill9
        st=$(lab__starttime "$pid") || st=0
        KSHIM_PORT=$port
        KSHIM_SERVER=http://127.0.0.1:$port
        export KSHIM_PORT KSHIM_SERVER
        t0=$(lab__now_ms)
        while ! lab_apiserver_ready; do
                if ! lab__alive "$pid" "$st"; then
                        wait "$pid" 2>/dev/null
                        lab_log "API server exited during start-up; last log lines:"
                        tail -n 20 "$LAB/apiserver.log" | sed 's/^/#   /' >&2
                        return 2
                fi
                if [ $(($(lab__now_ms) - t0)) -gt $((LAB_READY_TIMEOUT * 1000)) ]; then
                        lab_log "API server not ready after ${LAB_READY_TIMEOUT}s"
                        tail -n 20 "$LAB/apiserver.log" | sed 's/^/#   /' >&2
                        return 1
                fi
                sleep 0.05
        done
        printf 'KSHIM_PORT=%s\nKSHIM_SERVER=%s\n' "$port" "$KSHIM_SERVER" > "$LAB/apiserver.env"
        lab_log "API server pid $pid ready on $KSHIM_SERVER after $(($(lab__now_ms) - t0)) ms"
}

# lab_apiserver_start [PORT]: free port unless given; exports KSHIM_PORT KSHIM_SERVER KUBECONFIG.
lab_apiserver_start() {
        local -
        set +e +o pipefail
        local port try rc
        for try in 1 2 3; do
                port=${1:-$(lab__free_port)}
                [ -n "$port" ] || { lab_die "no free port"; return 1; }
                lab__apiserver_launch "$port"
                rc=$?
                [ "$rc" = 0 ] && break
                # rc 2: died at start-up, maybe the port was taken in between; try another one
                [ "$rc" = 2 ] && [ -z "${1:-}" ] && [ "$try" -lt 3 ] && continue
                return 1
        done
        lab__write_kubeconfig "$LAB/kubeconfig" "$KSHIM_SERVER" || return 1
        KUBECONFIG=$LAB/kubeconfig
        export KUBECONFIG
}

# lab_apiserver_env: re-export KSHIM_PORT/KSHIM_SERVER/KUBECONFIG (e.g. in a subshell-started test).
lab_apiserver_env() {
        [ -f "$LAB/apiserver.env" ] || return 1
        # shellcheck disable=SC1091
        . "$LAB/apiserver.env"
        KUBECONFIG=$LAB/kubeconfig
        export KSHIM_PORT KSHIM_SERVER KUBECONFIG
}

lab_apiserver_pid() {
        local p
        p=$(lab__pid_of apiserver apiserver) || return 1
        echo "${p%% *}"
}

lab_apiserver_kill9() {
        local -
        set +e +o pipefail
        local p
        p=$(lab__pid_of apiserver apiserver) || return 1
        # shellcheck disable=SC2086
        lab__kill9_pid $p
        lab_log "API server pid ${p%% *} killed with SIGKILL"
}

lab_apiserver_stop() {
        local -
        set +e +o pipefail
        local p
        p=$(lab__pid_of apiserver apiserver) || return 0
        # shellcheck disable=SC2086
        lab__stop_pid $p 10
}

# lab_apiserver_restart [--kill9]: stop (SIGTERM, or SIGKILL) and start again on the same port and state.
lab_apiserver_restart() {
        local -
        set +e +o pipefail
        local i
        if [ "${1:-}" = --kill9 ]; then lab_apiserver_kill9; else lab_apiserver_stop; fi
        lab_apiserver_env || true
        # the port may linger briefly; retry the same port (the kubeconfig names it)
        for i in $(seq 1 20); do
                lab__apiserver_launch "${KSHIM_PORT:?}" && return 0
                sleep 0.5
        done
        return 1
}

# ------------------------------------------------------------------------------------------------ nodes

# Runs as PID 1 of the node's PID namespace, inside its own mount (+UTS, +net) namespaces:
# prepares the mounts and execs systemd. Invoked as `bash lab.sh __node-boot LAB NAME NET [KEEP...]`.
lab__node_boot() {
        local lab=$1 name=$2 net=$3 r=$1/$2 d
        set -eu
        # belt and braces: nothing below may propagate to the host's mount namespace
        mount --make-rprivate /
        mount --bind "$r/run" /run
        # private scratch over host directories, keeping $LAB visible if it lives below one of them
        # keep visible: $LAB, and the source/build trees (a CI checkout may live in /tmp too)
        shift 3
        for d in /tmp:1777 /var/tmp:1777 /var/log/journal:2755 /var/lib/systemd:755 /var/lib/private:700; do
                lab__node_tmpfs "${d%%:*}" "${d##*:}" "$lab" "$@"
        done
        mkdir -p /run/systemd/system /run/systemd/journald.conf.d
        printf '[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\n' > /run/systemd/journald.conf.d/50-kshim-lab.conf
        mount --bind "$r/machine-id" /etc/machine-id
        hostname "$name"
        [ -e /etc/hostname ] && mount --bind "$r/hostname" /etc/hostname
        [ "$net" = 1 ] && ip link set lo up
        exec env -i container=other SYSTEMD_UNIT_PATH="$r/units:" \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
                /lib/systemd/systemd --system --unit=kshim-lab.target
}

lab__node_tmpfs() {  # DIR MODE KEEP...: tmpfs on DIR; the KEEP paths below DIR stay visible
        local dir=$1 mode=$2 p i=0 kept=()
        shift 2
        if [ ! -d "$dir" ]; then
                # only /var/lib/private is worth creating (systemd would create it on the host otherwise)
                [ "$dir" = /var/lib/private ] || return 0
                mkdir -m 0700 "$dir"
        fi
        for p in "$@"; do
                case $p/ in "$dir"/*) ;; *) continue ;; esac
                [ -d "$p" ] || continue
                mkdir -p "/run/.kshim-lab-keep$i"
                mount --bind "$p" "/run/.kshim-lab-keep$i"
                kept+=("$p")
                i=$((i + 1))
        done
        mount -t tmpfs -o "mode=$mode,nosuid,nodev" tmpfs "$dir"
        for ((i = 0; i < ${#kept[@]}; i++)); do
                mkdir -p "${kept[$i]}"
                mount --move "/run/.kshim-lab-keep$i" "${kept[$i]}"
                rmdir "/run/.kshim-lab-keep$i"
        done
}

lab__node_dir() { echo "$LAB/$1"; }

# lab_node_pid NAME: host PID of the node's systemd.
lab_node_pid() {
        local f=$LAB/$1/node.env
        [ -f "$f" ] || { lab_die "node $1 not started"; return 1; }
        sed -n 's/^SYSTEMD_PID=//p' "$f"
}

lab__node_var() {  # NAME VAR
        sed -n "s/^$2=//p" "$LAB/$1/node.env" 2>/dev/null
}

# Find the node's systemd: the process in the node cgroup whose comm is systemd and that is PID 1 of its ns.
lab__node_find_systemd() {  # CGNAME
        local pid
        for pid in $(lab__cg_pids "$(lab__cg_main)/$1"); do
                [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] || continue
                grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$pid/status" 2>/dev/null || continue
                echo "$pid"
                return 0
        done
        return 1
}

lab__node_unshare_pid() {  # CGNAME
        local pid
        for pid in $(lab__cg_pids "$(lab__cg_main)/$1"); do
                [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = unshare ] && { echo "$pid"; return 0; }
        done
        return 1
}

# lab_node_start NAME [--net]: boot a private systemd node and wait until it is running|degraded.
lab_node_start() {
        local -
        set +e +o pipefail
        local name=$1 net=0 r cg u t0 spid upid launcher state=
        shift
        [ "${1:-}" = --net ] && net=1
        [[ $name =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || { lab_die "bad node name '$name'"; return 1; }
        r=$LAB/$name
        cg=$LAB_PREFIX-$name
        [ -e "$r/node.env" ] && { lab_die "node $name exists already"; return 1; }
        # no -p for $LAB itself: a start racing with teardown must not recreate a removed lab
        [ -f "$LAB/pids" ] || { lab_die "lab $LAB is gone"; return 1; }
        { [ -d "$r" ] || mkdir "$r"; } && mkdir -p "$r/units" "$r/run" || return 1
        printf '[Unit]\nDescription=kshim lab node %s\nWants=systemd-journald.service dbus.service\n' \
                "$name" > "$r/units/kshim-lab.target"
        for u in "${LAB_NODE_MASKS[@]}"; do
                ln -sfn /dev/null "$r/units/$u" || return 1
        done
        [ -s "$r/machine-id" ] || tr -d '-' < /proc/sys/kernel/random/uuid > "$r/machine-id"
        echo "$name" > "$r/hostname"
        t0=$(lab__now_ms)
        (
                lab__cg_enter "$cg" || exit 1
                unshare_args=(--pid --fork --mount --mount-proc --uts --propagation private)
                [ "$net" = 1 ] && unshare_args+=(--net)
                exec setsid unshare "${unshare_args[@]}" /bin/bash "$LAB_LIB" __node-boot "$LAB" "$name" "$net" \
                        "$(readlink -f "$KSHIM_SRC")" "$(readlink -m "$KSHIM_BUILD")"
        ) > "$r/boot.log" 2>&1 < /dev/null &
        launcher=$!
        lab__record_pid node-launcher "$name" "$launcher"
        # the node's systemd (not the transient bash before its exec)
        spid=
        while [ $(($(lab__now_ms) - t0)) -lt $((LAB_NODE_BOOT_TIMEOUT * 1000)) ]; do
                spid=$(lab__node_find_systemd "$cg") && break
                if ! kill -0 "$launcher" 2>/dev/null && [ -z "$(lab__cg_pids "$(lab__cg_main)/$cg")" ]; then
                        break
                fi
                sleep 0.02
        done
        if [ -z "$spid" ]; then
                lab_log "node $name: systemd did not start; boot.log:"
                sed 's/^/#   /' "$r/boot.log" >&2
                return 1
        fi
        upid=$(lab__node_unshare_pid "$cg") || upid=
        lab__record_pid node-systemd "$name" "$spid"
        [ -n "$upid" ] && lab__record_pid node-unshare "$name" "$upid"
        printf 'SYSTEMD_PID=%s\nUNSHARE_PID=%s\nNET=%s\nCGROUP=/%s\n' "$spid" "$upid" "$net" "$cg" > "$r/node.env"
        # poll readiness (never --wait)
        while [ $(($(lab__now_ms) - t0)) -lt $((LAB_NODE_BOOT_TIMEOUT * 1000)) ]; do
                if [ -S "$r/run/systemd/private" ]; then
                        state=$(nsenter -t "$spid" -m -p systemctl is-system-running 2>/dev/null)
                        case $state in
                        running | degraded) break ;;
                        esac
                fi
                kill -0 "$spid" 2>/dev/null || { state=dead; break; }
                sleep 0.05
        done
        case $state in
        running | degraded) ;;
        *)
                lab_log "node $name did not come up (state '${state:-none}'); boot.log:"
                sed 's/^/#   /' "$r/boot.log" >&2
                return 1 ;;
        esac
        echo "$(($(lab__now_ms) - t0))" > "$r/boot-ms"
        lab_log "node $name ($state) systemd pid $spid, booted in $(cat "$r/boot-ms") ms"
        if [ "$state" = degraded ]; then
                lab_log "node $name failed units: $(lab_node_systemctl "$name" --failed --no-legend --plain 2>&1 | tr '\n' ' ')"
        fi
}

# lab_node_exec NAME cmd...: run cmd inside the node's mount+PID+UTS (+net) namespaces.
lab_node_exec() {
        local name=$1 spid ns=(-m -p -u)
        shift
        spid=$(lab_node_pid "$name") || return 1
        [ "$(lab__node_var "$name" NET)" = 1 ] && ns+=(-n)
        nsenter -t "$spid" "${ns[@]}" "$@"
}

lab_node_systemctl() {
        local name=$1
        shift
        lab_node_exec "$name" systemctl --no-pager "$@"
}

lab_node_journalctl() {
        local name=$1
        shift
        lab_node_exec "$name" journalctl --no-pager "$@"
}

# lab_node_stop NAME: poweroff (SIGRTMIN+4), wait, SIGKILL fallback, remove cgroups and the node's /run.
lab_node_stop() {
        local -
        set +e +o pipefail
        local name=$1 r=$LAB/$1 p spid sst i
        [ -f "$r/node.env" ] || return 0
        lab_agent_stop "$name"
        if p=$(lab__pid_of node-systemd "$name"); then
                spid=${p%% *}
                sst=${p##* }
                if lab__alive "$spid" "$sst"; then
                        kill -s SIGRTMIN+4 "$spid" 2>/dev/null
                        for ((i = 0; i < 200; i++)); do
                                lab__alive "$spid" "$sst" || break
                                sleep 0.05
                        done
                        if lab__alive "$spid" "$sst"; then
                                lab_log "node $name: no poweroff after 10s, SIGKILL to its systemd"
                                kill -KILL "$spid" 2>/dev/null
                        fi
                fi
        fi
        if p=$(lab__pid_of node-unshare "$name"); then
                # shellcheck disable=SC2086
                lab__stop_pid $p 5
        fi
        if p=$(lab__pid_of node-launcher "$name"); then
                wait "${p%% *}" 2>/dev/null
        fi
        lab__cg_remove "$LAB_PREFIX-$name"
        rm -rf --one-file-system "$r/run"
        rm -f "$r/node.env"
        lab_log "node $name stopped"
}

# ------------------------------------------------------------------------------------------ node agent

# lab_agent_start NAME: kshim-nodeagent inside the node's PID+mount namespaces, host network.
lab_agent_start() {
        local -
        set +e +o pipefail
        local name=$1 r=$LAB/$1 spid launcher apid='' i detach=()
        [ -x "$KSHIM_NODEAGENT_BIN" ] || { lab_die "no node agent binary at $KSHIM_NODEAGENT_BIN"; return 1; }
        [ -n "${KSHIM_SERVER:-}" ] || lab_apiserver_env || { lab_die "no API server"; return 1; }
        spid=$(lab_node_pid "$name") || return 1
        mkdir -p "$r/agent" || return 1
        [ -n "${LAB_DETACH:-}" ] && detach=(setsid)
        echo "--- $(date -u +%FT%T) start" >> "$r/agent.log"
        # KSHIM_NODEAGENT_ARGS: extra flags, split on blanks
        # shellcheck disable=SC2086
        "${detach[@]}" nsenter -t "$spid" -m -p "$KSHIM_NODEAGENT_BIN" --server "$KSHIM_SERVER" --node-name "$name" \
                --state-dir "$r/agent" ${KSHIM_NODEAGENT_ARGS:-} >> "$r/agent.log" 2>&1 < /dev/null &
        launcher=$!
        lab__record_pid agent-nsenter "$name" "$launcher"
        disown "$launcher" 2>/dev/null
        # nsenter forks to enter the PID namespace; the agent is its child
        for ((i = 0; i < 200; i++)); do
                apid=$(cat /proc/"$launcher"/task/*/children 2>/dev/null | tr -d ' ')
                [ -n "$apid" ] && break
                kill -0 "$launcher" 2>/dev/null || break
                sleep 0.01
        done
        if [ -z "$apid" ]; then
                lab_log "node agent for $name did not start; agent.log:"
                tail -n 20 "$r/agent.log" | sed 's/^/#   /' >&2
                return 1
        fi
        lab__record_pid agent "$name" "$apid"
        lab_log "node agent for $name: pid $apid"
}

lab_agent_pid() {
        local p
        p=$(lab__pid_of agent "$1") || return 1
        echo "${p%% *}"
}

lab_agent_running() {
        local p
        p=$(lab__pid_of agent "$1") || return 1
        # shellcheck disable=SC2086
        lab__alive $p
}

lab_agent_kill9() {
        local -
        set +e +o pipefail
        local p
        p=$(lab__pid_of agent "$1") || return 1
        # shellcheck disable=SC2086
        lab__kill9_pid $p
        if p=$(lab__pid_of agent-nsenter "$1"); then
                # shellcheck disable=SC2086
                lab__stop_pid $p 5
        fi
        lab_log "node agent for $1 killed with SIGKILL"
}

lab_agent_stop() {
        local -
        set +e +o pipefail
        local p
        if p=$(lab__pid_of agent "$1"); then
                # shellcheck disable=SC2086
                lab__stop_pid $p 10
        fi
        if p=$(lab__pid_of agent-nsenter "$1"); then
                # shellcheck disable=SC2086
                lab__stop_pid $p 5
        fi
        return 0
}

lab_agent_restart() {
        local -
        set +e +o pipefail
        if [ "${2:-}" = --kill9 ]; then lab_agent_kill9 "$1"; else lab_agent_stop "$1"; fi
        lab_agent_start "$1"
}

# --------------------------------------------------------------------------------------------- teardown

lab__dump_logs() {
        local -
        set +e +o pipefail
        local f
        for f in "$LAB"/apiserver.log "$LAB"/*/agent.log "$LAB"/*/boot.log; do
                [ -s "$f" ] || continue
                echo "# ----- ${f#"$LAB"/} (last 40 lines)"
                tail -n 40 "$f" | sed 's/^/#   /'
        done >&2
}

lab_nodes() {
        local f
        for f in "$LAB"/*/node.env; do
                [ -f "$f" ] || continue
                basename "$(dirname "$f")"
        done
}

# lab_teardown: stop agents, API server and nodes; kill whatever is left in our cgroups; remove $LAB.
# Idempotent; runs from the EXIT/INT/TERM traps. LAB_KEEP=1 keeps the lab dir (kshim-down keeps state).
lab_teardown() {
        local -
        set +e +o pipefail
        local rc=$? n h role name pid st ok=1
        [ -n "${LAB:-}" ] || return "$rc"
        [ -n "${LAB_TORN_DOWN:-}" ] && return "$rc"
        # a lab whose dir is gone may still have cgroups (e.g. its script was SIGKILLed): sweep those
        [ -d "$LAB" ] || [ -n "$(lab_cgroup_leftovers)" ] || return "$rc"
        LAB_TORN_DOWN=1
        if [ "$rc" != 0 ] || [ "${LAB_T_FAILED:-0}" != 0 ]; then
                [ -z "${LAB_KEEP:-}" ] && lab__dump_logs
        fi
        for h in "${LAB_TEARDOWN_HOOKS[@]}"; do
                eval "$h" || true
        done
        for n in $(lab_nodes); do
                lab_agent_stop "$n"
        done
        lab_apiserver_stop
        local stoppers=()
        for n in $(lab_nodes); do
                lab_node_stop "$n" &
                stoppers+=($!)
        done
        for pid in "${stoppers[@]}"; do
                wait "$pid"
        done
        # anything recorded that is still alive (start time matching): stop it
        if [ -f "$LAB/pids" ]; then
                while read -r role name pid st; do
                        [ -n "$pid" ] || continue
                        # node processes sit in the node cgroups, which are swept below
                        case $role in node-*) continue ;; esac
                        if lab__alive "$pid" "$st"; then
                                lab_log "leftover $role $name pid $pid, stopping"
                                lab__stop_pid "$pid" "$st" 3
                        fi
                done < "$LAB/pids"
        fi
        # anything still in our cgroups is ours by construction
        for h in $(lab_cgroup_hierarchies); do
                for n in $(compgen -G "$h/$LAB_PREFIX-*"); do
                        lab__cg_remove "$(basename "$n")" || ok=0
                done
        done
        if [ -n "$(lab_cgroup_leftovers)" ]; then
                lab_log "cgroups left behind: $(lab_cgroup_leftovers | tr '\n' ' ')"
                ok=0
        fi
        if [ -z "${LAB_KEEP:-}" ]; then
                rm -rf --one-file-system "$LAB"
                lab_log "lab $LAB removed"
        else
                rm -f "$LAB"/*/node.env
        fi
        [ "$ok" = 1 ] || lab_log "teardown incomplete"
        return "$rc"
}

# ------------------------------------------------------------------------------------------------- main

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
        case ${1:-} in
        __node-boot)
                shift
                lab__node_boot "$@" ;;
        *)
                echo "tests/harness/lab.sh is a library: source it" >&2
                exit 2 ;;
        esac
fi
