#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# codename: [sig-cli] Kubectl client Kubectl api-versions should check if v1 is in available api versions [Conformance]
# class: 1
# upstream: test/e2e/kubectl/kubectl.go
# `kubectl api-versions` lists "v1" as a line of its own.
set -euo pipefail
. "$(dirname "$0")/../lib/conf.sh"
step "kubectl api-versions"
out=$(kubectl api-versions 2>&1) || fail "kubectl api-versions exited $?: $(tail -n1 <<< "$out")"
grep -qx 'v1' <<< "$out" || fail "v1 not listed: $(tr '\n' ' ' <<< "$out")"
grep -qx 'apps/v1' <<< "$out" || fail "apps/v1 not listed"
