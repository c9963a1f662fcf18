#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# codename: [sig-cli] Kubectl client Kubectl label should update the label on a resource [Conformance]
# class: 2
# upstream: test/e2e/kubectl/kubectl.go
# `kubectl create -f` a pod, running; `kubectl label pods pause testing-label=testing-label-value`: `get -L` shows the value;
# `kubectl label pods pause testing-label-` removes it: `get -L` shows an empty column.
set -euo pipefail
. "$(dirname "$0")/../lib/conf.sh"
[ -n "${KSHIM_CONF_NODE:-}" ] || fail "no node in this lab"
ns=kubectl-label-$RANDOM$RANDOM
# kubectl create -f (JSON bodies) like upstream; `create namespace`/`run` are 1.32+ protobuf generators
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$ns" | kubectl create -f - > /dev/null
trap 'kubectl delete namespace "$ns" --wait=false > /dev/null 2>&1' EXIT
step "run pod"
kubectl -n "$ns" create -f - > /dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: pause
  labels:
    name: pause
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: pause
    image: kshim.local/host
    command: [sleep, "3600"]
YAML
kubectl -n "$ns" wait --for=condition=Ready pod/pause --timeout=30s > /dev/null || fail "pod not Ready"
step "add label"
kubectl -n "$ns" label pods pause testing-label=testing-label-value > /dev/null
out=$(kubectl -n "$ns" get pod pause -L testing-label)
grep -q 'testing-label-value' <<< "$out" || fail "label value not shown: $out"
step "remove label"
kubectl -n "$ns" label pods pause testing-label- > /dev/null
out=$(kubectl -n "$ns" get pod pause -L testing-label --no-headers)
grep -q 'testing-label-value' <<< "$out" && fail "label still shown: $out"
kubectl -n "$ns" delete pod pause --grace-period=1 --wait=false > /dev/null
