#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# usage: golden.sh KSHIM_TRANSLATE INPUT.yaml EXPECTED.units   (REGEN=1 rewrites EXPECTED)
set -e
out=$("$1" "$2" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$REGEN" ]; then printf '%s\n' "$out" > "$3"; exit 0; fi
printf '%s\n' "$out" | diff -u "$3" -
