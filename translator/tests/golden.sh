#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# usage: golden.sh KSHIM_TRANSLATE INPUT.yaml EXPECTED.units [translate options]   (REGEN=1 rewrites EXPECTED)
set -e
t=$1; in=$2; exp=$3; shift 3
out=$("$t" "$@" "$in" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$REGEN" ]; then printf '%s\n' "$out" > "$exp"; exit 0; fi
printf '%s\n' "$out" | diff -u "$exp" -
