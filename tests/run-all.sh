#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# THE test command (README, .ci/run). As root on Debian 12:
#   1. installs missing build/test packages (contrib/install-deps.sh, idempotent)
#   2. configures (meson setup build --werror) and builds
#   3. meson test -C build (all suites: unit, fuzz-replay, ...)
#   4. an ASan+UBSan build (build-asan) running the unit and fuzz-replay suites
#   5. the harness self-test, the end-to-end tests (tests/e2e/*.sh) and the conformance-derived suite and
#      client compat grid (conformance/run, conformance/compat), in parallel, each in its own lab
# and ends with exactly one line "N passed, N failed" (N counts individual tests: meson test results plus
# every TAP `ok`/`not ok` line of the scripts, except `not ok ... # TODO` = known failure; the conformance
# pass rates are printed as `conformance: X of Y passing` before the last line). Exit status non-zero if
# anything failed.
#
# Environment: KSHIM_BUILD_DIR (build), KSHIM_ASAN_BUILD_DIR (build-asan), KSHIM_SKIP_ASAN=1,
# KSHIM_E2E="tests/e2e/skeleton.sh ..." (subset), KSHIM_E2E_TIMEOUT (seconds per script, 600).
set -uo pipefail

SRC=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$SRC" || exit 1
BUILD=${KSHIM_BUILD_DIR:-build}
ASAN=${KSHIM_ASAN_BUILD_DIR:-build-asan}
E2E_TIMEOUT=${KSHIM_E2E_TIMEOUT:-600}
JOBS=$(nproc 2>/dev/null || echo 2)
LOGS=$SRC/build-test-logs
mkdir -p "$LOGS"

PASSED=0
FAILED=0
FAILURES=()
T0=$(date +%s)

say() { printf '\n=== [%s +%ss] %s\n' "$(date -u +%H:%M:%S)" "$(($(date +%s) - T0))" "$*"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); echo "FAILED: $1"; }

if [ "$(id -u)" != 0 ]; then
        echo "tests/run-all.sh needs root (private systemd test nodes use namespaces and cgroups)" >&2
        echo "0 passed, 1 failed"
        exit 1
fi

# meson's testlog.json: one JSON object per test
count_meson() {  # BUILDDIR LABEL
        local log=$1/meson-logs/testlog.json ok bad
        if [ ! -f "$log" ]; then
                fail "$2: no test log"
                return
        fi
        ok=$(jq -r '.result' "$log" | grep -cxE 'OK|EXPECTEDFAIL')
        bad=$(jq -r '.result' "$log" | grep -cxE 'FAIL|UNEXPECTEDPASS|TIMEOUT|ERROR|INTERRUPT')
        PASSED=$((PASSED + ok))
        FAILED=$((FAILED + bad))
        while read -r name; do
                FAILURES+=("$2: $name")
        done < <(jq -r 'select(.result | test("^(FAIL|UNEXPECTEDPASS|TIMEOUT|ERROR|INTERRUPT)$")) | .name' "$log")
        echo "$2: $ok passed, $bad failed, $(jq -r '.result' "$log" | grep -cx SKIP) skipped"
}

# configure_build DIR LABEL [meson options...]: setup (or make sure of --werror), build. 0 if built.
configure_build() {
        local dir=$1 label=$2
        shift 2
        if [ ! -f "$dir/build.ninja" ]; then
                meson setup "$dir" --werror "$@" || { fail "$label: meson setup"; return 1; }
        elif [ "$(meson introspect "$dir" --buildoptions | jq -r '.[] | select(.name == "werror") | .value')" != true ]; then
                echo "$dir was configured without --werror; CI builds with it: reconfiguring"
                meson configure "$dir" -Dwerror=true "$@" || { fail "$label: meson configure"; return 1; }
        fi
        ninja -C "$dir" -j "$JOBS" || { fail "$label: build (ninja -C $dir)"; return 1; }
}

say "dependencies"
contrib/install-deps.sh || fail "install-deps"

say "build ($BUILD, --werror)"
BUILD_OK=0
if configure_build "$BUILD" build; then
        BUILD_OK=1
        say "meson test -C $BUILD (all suites)"
        rm -f "$BUILD/meson-logs/testlog.json"
        meson test -C "$BUILD" --print-errorlogs --num-processes "$JOBS"
        count_meson "$BUILD" "meson test"
fi

if [ -z "${KSHIM_SKIP_ASAN:-}" ]; then
        say "ASan+UBSan build ($ASAN)"
        if configure_build "$ASAN" asan -Db_sanitize=address,undefined; then
                say "meson test -C $ASAN --suite unit --suite fuzz-replay"
                rm -f "$ASAN/meson-logs/testlog.json"
                UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
                        meson test -C "$ASAN" --print-errorlogs --num-processes "$JOBS" --suite unit --suite fuzz-replay
                count_meson "$ASAN" "asan"
        fi
fi

# harness self-test and end-to-end tests: each script has its own lab, so they run in parallel
if [ -n "${KSHIM_E2E:-}" ]; then
        read -ra scripts <<< "$KSHIM_E2E"
else
        scripts=(tests/harness/selftest.sh)
        for f in tests/e2e/*.sh; do
                [ -f "$f" ] && scripts+=("$f")
        done
        # conformance-derived suite and client compat grid (conformance/README.md): known failures are
        # `not ok ... # TODO` lines, not counted; only baseline regressions are
        scripts+=(conformance/run conformance/compat)
fi
say "end-to-end: ${scripts[*]}"
export KSHIM_BUILD=$SRC/$BUILD
export KSHIM_LAB_REGISTRY=$LOGS/labs.list
: > "$KSHIM_LAB_REGISTRY"
if [ "$BUILD_OK" != 1 ]; then
        # stale binaries would make the results meaningless; the self-test needs none
        run=()
        for s in "${scripts[@]}"; do
                if [ "$s" = tests/harness/selftest.sh ]; then run+=("$s"); else fail "$s: not run (build failed)"; fi
        done
        scripts=("${run[@]}")
fi
declare -A pids
on_interrupt() {
        echo "run-all: interrupted, stopping the end-to-end tests (their labs tear down)"
        for p in "${pids[@]}"; do
                kill -TERM "$p" 2>/dev/null
        done
        wait
        echo "$PASSED passed, $((FAILED + 1)) failed"
        exit 130
}
trap on_interrupt INT TERM
for s in "${scripts[@]}"; do
        name=$(basename "$(dirname "$s")")-$(basename "$s" .sh)
        timeout --kill-after=30 "$E2E_TIMEOUT" bash "$s" > "$LOGS/$name.log" 2>&1 < /dev/null &
        pids[$s]=$!
done
for s in "${scripts[@]}"; do
        name=$(basename "$(dirname "$s")")-$(basename "$s" .sh)
        wait "${pids[$s]}"
        rc=$?
        echo "----- $s (exit $rc; log $LOGS/$name.log)"
        cat "$LOGS/$name.log"
        ok=$(grep -cE '^ok [0-9]+' "$LOGS/$name.log")
        bad=$(grep -E '^not ok [0-9]+' "$LOGS/$name.log" | grep -vc ' # TODO')  # TAP TODO: expected failure
        PASSED=$((PASSED + ok))
        FAILED=$((FAILED + bad))
        while read -r line; do
                FAILURES+=("$s: $line")
        done < <(grep -E '^not ok [0-9]+' "$LOGS/$name.log" | grep -v ' # TODO')
        if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
                if [ "$rc" = 124 ]; then
                        fail "$s: timed out after ${E2E_TIMEOUT}s"
                else
                        fail "$s: exited with status $rc"
                fi
        fi
done

# safety net: a lab that is still there (its script was killed hard) is torn down here and counted
while read -r lab; do
        [ -n "$lab" ] || continue
        left=$(LAB=$lab LAB_PREFIX=$(basename "$lab") bash -c '. tests/harness/lab.sh; lab_cgroup_leftovers')
        if [ -d "$lab" ] || [ -n "$left" ]; then
                fail "lab $lab was left behind; tearing it down"
                LAB=$lab LAB_PREFIX=$(basename "$lab") bash -c '. tests/harness/lab.sh; lab_teardown'
        fi
        rm -f "$lab.host-marker"  # the self-test's file in the host's /tmp
done < "$KSHIM_LAB_REGISTRY"

say "summary ($(($(date +%s) - T0)) s)"
for f in "${FAILURES[@]}"; do
        echo "  failed: $f"
done
for s in "${scripts[@]}"; do
        # e.g. "conformance: 35 of 49 passing" (known failures included, not counted as failed above)
        grep -hE '^(conformance|compat): [0-9]+ of [0-9]+ passing$' "$LOGS/$(basename "$(dirname "$s")")-$(basename "$s" .sh).log" 2>/dev/null
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
