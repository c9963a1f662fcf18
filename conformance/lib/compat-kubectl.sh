#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# compat-kubectl.sh KUBECTL NAMESPACE SCENARIO: one cell of the compatibility grid (conformance/compat).
# Exit 0 = the scenario works with that kubectl binary; otherwise prints "FAIL: <reason>". Objects are
# named after the scenario inside NAMESPACE (one namespace per client), so cells run in parallel.
# Side checks go through curl (plain JSON), so a cell tests the one client feature it names.
set -euo pipefail
K=$1 NS=$2 SC=$3
. "$(dirname "$0")/conf.sh"
k() { "$K" -n "$NS" "$@"; }
api() { curl -sS --max-time 10 "$@"; }
cm_url() { echo "$KSHIM_SERVER/api/v1/namespaces/$NS/configmaps${1:+/$1}"; }
out=
run() {  # run CMD...: capture output, fail with its last line
        local rc=0
        out=$("$@" 2>&1) || rc=$?
        [ "$rc" = 0 ] || fail "$(basename "$1") ${*:2} exited $rc: $(tail -n1 <<< "$out")"
}
cm_yaml() {  # NAME VALUE
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  labels:\n    app: compat\ndata:\n  key: "%s"\n' "$1" "$2"
}
cm_create() {  # NAME: create through plain JSON
        api -f -X POST -H 'Content-Type: application/json' "$(cm_url)" \
                -d "{\"metadata\":{\"name\":\"$1\"},\"data\":{\"key\":\"v1\"}}" > /dev/null || fail "curl create $1"
}
cm_get() {  # NAME JQ
        api -f "$(cm_url "$1")" | jq -r "$2"
}

step "$SC"
case $SC in
version)
        run "$K" version
        # 1.27 prints version.Info{...} structs, later ones the gitVersion
        grep -qE '^Server Version: (v1\.|version\.Info\{Major:"1")' <<< "$out" || fail "no Server Version line: $(tr '\n' ' ' <<< "$out")" ;;
"get nodes")
        run "$K" get nodes
        grep -qE '^n1 +Ready ' <<< "$out" || fail "node n1 not shown Ready: $(tr '\n' ' ' <<< "$out")" ;;
"apply -f (create)")
        run k apply -f - <<< "$(cm_yaml apply-create v1)"
        grep -q 'configmap/apply-create created' <<< "$out" || fail "unexpected output: $out"
        [ "$(cm_get apply-create .data.key)" = v1 ] || fail "stored data is not v1"
        cm_get apply-create '.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]' | grep -q . ||
                fail "no last-applied-configuration annotation" ;;
"apply again (patch)")
        run k apply -f - <<< "$(cm_yaml apply-again v1)"
        run k apply -f - <<< "$(cm_yaml apply-again v2)"
        grep -q 'configmap/apply-again configured' <<< "$out" || fail "unexpected output: $out"
        [ "$(cm_get apply-again .data.key)" = v2 ] || fail "stored data is not v2 after the second apply" ;;
"get -o yaml")
        cm_create get-yaml
        run k get configmap get-yaml -o yaml
        grep -qx 'kind: ConfigMap' <<< "$out" || fail "no 'kind: ConfigMap': $out"
        grep -qE '^  key: v1$' <<< "$out" || fail "data not shown: $out"
        grep -qE '^  resourceVersion: "[0-9]+"' <<< "$out" || fail "no resourceVersion" ;;
"get -w sees a change")
        cm_create get-watch
        f=$(mktemp -p "${LAB:?}" watch.XXXXXX)
        timeout 15 "$K" -n "$NS" get configmap get-watch -w -o 'jsonpath={.data.key}{"\n"}' > "$f" 2>&1 &
        wpid=$!
        for _ in $(seq 50); do grep -qx v1 "$f" && break; sleep 0.1; done
        grep -qx v1 "$f" || { kill "$wpid" 2>/dev/null; fail "watch did not print the first state: $(cat "$f")"; }
        api -f -X PATCH -H 'Content-Type: application/merge-patch+json' "$(cm_url get-watch)" \
                -d '{"data":{"key":"v2"}}' > /dev/null
        for _ in $(seq 100); do grep -qx v2 "$f" && break; sleep 0.1; done
        kill "$wpid" 2>/dev/null || true
        wait "$wpid" 2>/dev/null || true
        grep -qx v2 "$f" || fail "watch did not show the change: $(tr '\n' ' ' < "$f")" ;;
label)
        cm_create label
        run k label configmap label compat=yes
        [ "$(cm_get label .metadata.labels.compat)" = yes ] || fail "label not stored"
        run k label configmap label compat-
        [ "$(cm_get label '.metadata.labels.compat // "gone"')" = gone ] || fail "label not removed" ;;
annotate)
        cm_create annotate
        run k annotate configmap annotate compat=yes
        [ "$(cm_get annotate .metadata.annotations.compat)" = yes ] || fail "annotation not stored" ;;
"delete (waits)")
        pod=delete-wait
        api -f -X POST -H 'Content-Type: application/json' "$KSHIM_SERVER/api/v1/namespaces/$NS/pods" -d \
                "{\"metadata\":{\"name\":\"$pod\"},\"spec\":{\"terminationGracePeriodSeconds\":10,\"containers\":[{\"name\":\"main\",\"image\":\"kshim.local/host\",\"command\":[\"sleep\",\"3600\"]}]}}" \
                > /dev/null || fail "curl create pod"
        for _ in $(seq 100); do
                [ "$(api "$KSHIM_SERVER/api/v1/namespaces/$NS/pods/$pod" | jq -r .status.phase)" = Running ] && break
                sleep 0.2
        done
        run k delete pod "$pod" --timeout=40s
        grep -q "pod \"$pod\" deleted" <<< "$out" || fail "unexpected output: $out"
        code=$(curl -s -o /dev/null -w '%{http_code}' "$KSHIM_SERVER/api/v1/namespaces/$NS/pods/$pod")
        [ "$code" = 404 ] || fail "kubectl delete returned while the pod still exists (GET answers $code)" ;;
"create configmap (protobuf in 1.33)")
        run k create configmap create-cm --from-literal=key=v1
        [ "$(cm_get create-cm .data.key)" = v1 ] || fail "configmap not stored with key=v1" ;;
explain)
        run "$K" explain pod.spec.containers
        grep -q 'DESCRIPTION' <<< "$out" || fail "no DESCRIPTION: $(head -n3 <<< "$out" | tr '\n' ' ')"
        grep -q 'image' <<< "$out" || fail "field image not explained" ;;
api-resources)
        run "$K" api-resources
        grep -qE '^pods +po +v1 +true +Pod$' <<< "$out" || fail "pods line missing or wrong"
        grep -qE '^deployments +deploy +apps/v1 +true +Deployment$' <<< "$out" || fail "deployments line missing" ;;
*)
        fail "unknown scenario '$SC'" ;;
esac
