#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# codename: [sig-cli] Kubectl client Kubectl version should check is all data is printed [Conformance]
# class: 1
# upstream: test/e2e/kubectl/kubectl.go
# `kubectl version` prints both "Client Version:" and "Server Version:"; the server's gitVersion is the
# one /version answers; `kubectl version -o json` has serverVersion.major/minor/gitVersion/platform.
set -euo pipefail
. "$(dirname "$0")/../lib/conf.sh"
step "kubectl version"
out=$(kubectl version 2>&1) || fail "kubectl version exited $?: $(tail -n1 <<< "$out")"
grep -q '^Client Version: ' <<< "$out" || fail "no 'Client Version:' line: $out"
grep -q '^Server Version: ' <<< "$out" || fail "no 'Server Version:' line: $out"
git=$(curl -sS "$KSHIM_SERVER/version" | jq -r .gitVersion)
grep -qxF "Server Version: $git" <<< "$out" || fail "Server Version line does not show /version's gitVersion $git"
step "kubectl version -o json"
js=$(kubectl version -o json)
for f in major minor gitVersion gitCommit platform goVersion compiler buildDate; do
        [ -n "$(jq -r ".serverVersion.$f // empty" <<< "$js")" ] || fail "serverVersion.$f missing"
done
