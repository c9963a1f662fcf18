#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test: runs kshim-apiserver on 127.0.0.1:<random port> with a mktemp state dir and drives real kubectl
# through the issue #2 acceptance flow, simulating the node agent with curl. Kills only the PID it started.
# Usage: apiserver/tests-smoke.sh [build-dir]
set -u
BUILD=${1:-build}
BIN=$BUILD/apiserver/kshim-apiserver
D=$(mktemp -d)
PORT=$((20000 + RANDOM % 30000))
S=http://127.0.0.1:$PORT
PID=
FAILS=0
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
start() {
        $BIN --listen 127.0.0.1:$PORT --state-dir $D/state --log-level ${LOGLEVEL:-info} >>$D/log 2>&1 &
        PID=$!
        for _ in $(seq 50); do curl -sf $S/readyz >/dev/null && return 0; sleep 0.1; done
        echo "server did not start"; cat $D/log; exit 1
}
cat >$D/kubeconfig <<EOC
apiVersion: v1
kind: Config
clusters: [{name: k, cluster: {server: "$S"}}]
contexts: [{name: k, context: {cluster: k, user: u, namespace: default}}]
users: [{name: u, user: {}}]
current-context: k
EOC
export KUBECONFIG=$D/kubeconfig
K() { kubectl --cache-dir $D/cache "$@"; }
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; FAILS=$((FAILS+1)); }
expect() { # expect <description> <pattern> <output>
        if grep -qE -- "$2" <<<"$3"; then ok "$1"; else bad "$1"; echo "$3" | sed 's/^/     | /'; fi
}
CURL() { curl -s -H 'Content-Type: application/json' "$@"; }

start
K version 2>&1 | grep -q "Server Version: v1.32" && ok "kubectl version" || bad "kubectl version"

# --- agent: register node, lease, Ready status ---
CURL -X POST $S/api/v1/nodes -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1","labels":{"kubernetes.io/hostname":"node-1"}}}' >/dev/null
curl -s -X PATCH -H 'Content-Type: application/strategic-merge-patch+json' $S/api/v1/nodes/node-1/status -d '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kshim agent is posting ready status"}],"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],"nodeInfo":{"kubeletVersion":"v1.32.0-kshim","osImage":"Debian","kernelVersion":"6.1","containerRuntimeVersion":"systemd://252"}}}' >/dev/null
CURL -X POST $S/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"node-1"},"spec":{"holderIdentity":"node-1","leaseDurationSeconds":40}}' >/dev/null
out=$(K get nodes 2>&1); expect "get nodes" "node-1 +Ready +<none> +[0-9]+s +v1.32.0-kshim" "$out"
out=$(K get nodes -o wide 2>&1); expect "get nodes -o wide" "127.0.0.1 +<none> +Debian +6.1 +systemd://252" "$out"
out=$(K get leases -n kube-node-lease 2>&1); expect "get leases" "node-1 +node-1" "$out"

# --- apply ---
cat >$D/pod.yaml <<EOP
apiVersion: v1
kind: Pod
metadata:
  name: x
  labels: {app: web, tier: v1}
spec:
  containers:
  - name: c
    image: kshim.local/host
    command: ["sleep", "1000"]
EOP
out=$(K apply -f $D/pod.yaml 2>&1); expect "apply create" "^pod/x created$" "$out"
sed -i 's/tier: v1/tier: v2/' $D/pod.yaml
out=$(K apply -f $D/pod.yaml 2>&1); expect "apply configure" "^pod/x configured$" "$out"
out=$(K apply -f $D/pod.yaml 2>&1); expect "apply unchanged" "^pod/x unchanged$" "$out"
out=$(K get pod x -o jsonpath='{.metadata.labels.tier} {.spec.nodeName} {.status.phase} {.spec.containers[0].imagePullPolicy}' 2>&1)
expect "labels patched, bound, defaulted" "^v2 node-1 Pending Always$" "$out"

# --- agent: pod status ---
UID_=$(K get pod x -o jsonpath='{.metadata.uid}')
curl -s -X PATCH -H 'Content-Type: application/merge-patch+json' $S/api/v1/namespaces/default/pods/x/status -d '{"status":{"phase":"Running","podIP":"10.0.0.5","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"c","ready":true,"restartCount":0,"image":"kshim.local/host","imageID":"","state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}' >/dev/null
out=$(K get pods 2>&1); expect "get pods" "^x +1/1 +Running +0 +[0-9]+s$" "$out"
out=$(K get pods -o wide 2>&1); expect "get pods -o wide" "^x +1/1 +Running +0 +[0-9]+s +10.0.0.5 +node-1 +<none> +<none>$" "$out"
out=$(K get pod x 2>&1); expect "get pod x" "^x +1/1 +Running" "$out"
out=$(K get po -o yaml 2>&1); expect "get -o yaml" "kind: List" "$out"
out=$(K get pods -o json 2>&1); expect "get -o json" '"kind": "List"' "$out"
out=$(K get all 2>&1); expect "get all" "pod/x +1/1 +Running" "$out"
out=$(K get all 2>&1 | grep -ci error); expect "get all: no errors" "^0$" "$out"
out=$(K get ns 2>&1); expect "get ns" "kube-node-lease +Active" "$out"
out=$(K get pods --field-selector spec.nodeName=node-1 -l app=web 2>&1); expect "selectors" "^x " "$out"
out=$(K get pods --field-selector spec.bogus=1 2>&1); expect "unsupported field" "field label not supported: spec.bogus" "$out"
out=$(K api-resources 2>&1); expect "api-resources" "horizontalpodautoscalers +hpa +autoscaling/v2 +true" "$out"

# --- watch (Table) ---
K get pods -w >$D/watch.out 2>&1 &
WPID=$!
sleep 1
K label pod x extra=1 >/dev/null 2>&1
sleep 1
kill $WPID 2>/dev/null; wait $WPID 2>/dev/null
expect "get pods -w" "x +1/1 +Running" "$(cat $D/watch.out)"
[ "$(grep -c '^x ' $D/watch.out)" -ge 2 ] && ok "watch saw the MODIFIED row" || { bad "watch saw the MODIFIED row"; cat $D/watch.out; }

# --- persistence across SIGKILL ---
before=$(curl -s $S/api/v1/namespaces/default/pods/x)
kill -9 $PID; wait $PID 2>/dev/null
start
after=$(curl -s $S/api/v1/namespaces/default/pods/x)
[ "$before" = "$after" ] && ok "SIGKILL + restart: object unchanged" || { bad "SIGKILL + restart"; echo "$before"; echo "$after"; }

# --- delete (graceful, agent confirms) ---
K delete pod x >$D/delete.out 2>&1 &
DPID=$!
sleep 1.5
st=$(curl -s $S/api/v1/namespaces/default/pods/x)
grep -q deletionTimestamp <<<"$st" && ok "deletionTimestamp set" || bad "deletionTimestamp set"
out=$(K get pod x 2>&1); expect "Terminating" "x +1/1 +Terminating" "$out"
CURL -X DELETE "$S/api/v1/namespaces/default/pods/x?gracePeriodSeconds=0" -d "{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"$UID_\"}}" >/dev/null
for _ in $(seq 30); do kill -0 $DPID 2>/dev/null || break; sleep 0.2; done
if kill -0 $DPID 2>/dev/null; then bad "kubectl delete returned"; kill $DPID; else wait $DPID; rc=$?; [ $rc = 0 ] && ok "kubectl delete returned 0" || bad "kubectl delete rc=$rc"; fi
expect "delete output" 'pod "x" deleted' "$(cat $D/delete.out)"
out=$(K get pods 2>&1); expect "gone" "No resources found" "$out"

# --- misc ---
out=$(curl -s $S/api/v1/namespaces/nope/configmaps -H 'Content-Type: application/json' -X POST -d '{"metadata":{"name":"a"}}'); expect "namespace must exist" 'namespaces \\"nope\\" not found' "$out"
out=$(curl -s -o /dev/null -w '%{http_code}' $S/api/v1/bogus); expect "unknown path 404" "^404$" "$out"
out=$(K create configmap cm1 --from-literal=a=b 2>&1); echo "     (create configmap, protobuf in 1.32: $out)"
out=$(K create -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm2"},"data":{"a":"b"}}' 2>&1); expect "create -f configmap" "configmap/cm2 created" "$out"
out=$(K get cm 2>&1); expect "get cm" "cm2 +1 " "$out"
out=$(K apply -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm3"},"bogus":1}' 2>&1); expect "fieldValidation=Strict" 'strict decoding error: unknown field "bogus"' "$out"
out=$(K apply --validate=false -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm3"},"bogus":1}' 2>&1); expect "fieldValidation=Ignore drops" "configmap/cm3 created" "$out"
out=$(curl -s $S/api/v1/namespaces/default/configmaps/cm3 | python3 -c 'import json,sys; print("bogus" in json.load(sys.stdin))'); expect "unknown field dropped" "^False$" "$out"
out=$(K delete cm cm2 2>&1); expect "delete cm" 'configmap "cm2" deleted' "$out"

# scale subresource, binding
out=$(K apply -f - <<<'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"n","image":"nginx"}]}}}}' 2>&1); expect "apply deployment" "deployment.apps/web created" "$out"
out=$(K scale deploy web --replicas=3 2>&1); expect "scale" "deployment.apps/web scaled" "$out"
out=$(K get deploy web -o jsonpath='{.spec.replicas} {.metadata.generation}' 2>&1); expect "scale: replicas and generation" "^3 2$" "$out"
out=$(K scale deploy web --replicas=5 --current-replicas=2 2>&1); expect "scale precondition" "Expected replicas to be 2, was 3" "$out"
out=$(K get all 2>&1); expect "get all shows deployment" "deployment.apps/web +0/3" "$out"
CURL -X POST $S/api/v1/nodes -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-2"}}' >/dev/null
out=$(CURL -X POST $S/api/v1/namespaces/default/pods -d '{"metadata":{"name":"unbound"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}'); expect "two nodes, one Ready: still bound to the Ready one" '"nodeName":"node-1"' "$out"
curl -s -X PATCH -H 'Content-Type: application/merge-patch+json' $S/api/v1/nodes/node-2/status -d '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}' >/dev/null
out=$(CURL -X POST $S/api/v1/namespaces/default/pods -d '{"metadata":{"name":"unbound2"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}'); grep -q nodeName <<<"$out" && bad "two Ready nodes: unbound" || ok "two Ready nodes: unbound"
out=$(CURL -X POST $S/api/v1/namespaces/default/pods/unbound2/binding -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"unbound2"},"target":{"kind":"Node","name":"node-2"}}'); expect "binding" '"code":201' "$out"
out=$(K get pod unbound2 -o jsonpath='{.spec.nodeName}' 2>&1); expect "bound by binding" "^node-2$" "$out"
out=$(K delete pod unbound2 --grace-period=0 --force 2>&1); expect "force delete" 'pod "unbound2" force deleted' "$out"

# namespace deletion cascades
K create ns foo >/dev/null 2>&1 || K apply -f - <<<'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo"}}' >/dev/null
K -n foo apply -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}' >/dev/null 2>&1
out=$(timeout 20 kubectl --cache-dir $D/cache delete ns foo 2>&1); expect "delete namespace" 'namespace "foo" deleted' "$out"
out=$(curl -s -o /dev/null -w '%{http_code}' $S/api/v1/namespaces/foo/configmaps/c); expect "namespace contents gone" "^404$" "$out"
out=$(K delete ns default 2>&1); expect "default may not be deleted" "may not be deleted" "$out"

# graceful stop: SIGTERM must flush and exit 0; sanitizer reports land in the log
kill -TERM $PID; wait $PID; rc=$?; PID=
[ $rc = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
if grep -qE "AddressSanitizer|LeakSanitizer|runtime error" $D/log; then bad "sanitizers"; grep -E -A12 "AddressSanitizer|LeakSanitizer|runtime error" $D/log | head -60; fi
echo "log: $(grep -c . $D/log) lines; failures: $FAILS"
[ $FAILS = 0 ] || tail -20 $D/log
exit $FAILS
