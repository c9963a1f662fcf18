#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Walking skeleton acceptance (issue #2), with the real kubectl, the real API server and a real private
# systemd node running the node agent:
#   node Ready -> kubectl apply a Pod -> Running -> units kshim-<qos>-pod<uid>.slice and
#   kshim_default_hello_main.service in the node -> "hello" in the unit's journal -> API server SIGKILL +
#   restart on the same state: the pod object is unchanged -> agent restart keeps the container ->
#   kubectl delete returns once the pod is gone -> its units are gone from the node.
# shellcheck disable=SC2317  # check functions are invoked indirectly (lab_check)
set -euo pipefail

# shellcheck source=tests/harness/lab.sh
. "$(dirname "$0")/../harness/lab.sh"

NODE=node1
POD=hello
UNIT=kshim_default_hello_main.service

k() { kubectl --request-timeout=10s "$@"; }

lab_init

setup() {
        lab_apiserver_start || return 1
        lab_node_start "$NODE" || return 1
        lab_agent_start "$NODE" || return 1
        echo "# node boot: $(cat "$LAB/$NODE/boot-ms") ms"
}

node_ready() {
        [ "$(k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

check_node_ready() {
        local t0 out
        t0=$(lab__now_ms)
        wait_for 20 node_ready
        echo "# node Ready $(($(lab__now_ms) - t0)) ms after the agent started"
        out=$(k get nodes --no-headers)
        echo "$out"
        assert_line_match "$out" "^$NODE +Ready " "kubectl get nodes"
}

pod_phase() {
        k get pod "$POD" -o jsonpath='{.status.phase}' 2>/dev/null
}

pod_running() {
        [ "$(pod_phase)" = Running ]
}

check_pod_running() {
        local t0 ms out
        cat > "$LAB/pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $POD
  namespace: default
spec:
  containers:
  - name: main
    image: kshim.local/host
    command: ["/bin/sh", "-c", "echo hello; sleep 3600"]
EOF
        t0=$(lab__now_ms)
        out=$(k apply -f "$LAB/pod.yaml")
        assert_eq "pod/$POD created" "$out" "kubectl apply output"
        wait_for 20 pod_running
        ms=$(($(lab__now_ms) - t0))
        echo "$ms" > "$LAB/pod-running-ms"
        echo "# pod Running $ms ms after kubectl apply"
        out=$(k get pods --no-headers)
        echo "$out"
        assert_line_match "$out" "^$POD +1/1 +Running " "kubectl get pods"
}

pod_uid() {
        k get pod "$POD" -o jsonpath='{.metadata.uid}'
}

check_units() {
        local uid slice units show
        uid=$(pod_uid)
        assert_match "$uid" '^[0-9a-f-]{36}$' "pod uid"
        slice="kshim-besteffort-pod${uid//-/_}.slice"
        units=$(lab_node_systemctl "$NODE" list-units --no-legend --plain 'kshim*')
        echo "$units"
        assert_line_match "$units" "^$slice +loaded +active " "pod slice $slice"
        assert_line_match "$units" "^$UNIT +loaded +active +running " "container unit $UNIT"
        show=$(lab_node_systemctl "$NODE" show -p Slice -p Description -p Environment "$UNIT")
        assert_contains "$show" "Slice=$slice" "container unit's slice"
        assert_contains "$show" "Description=kshim pod default/$POD container main (uid $uid)" "Description"
        assert_contains "$show" "KSHIM_POD_UID=$uid" "Environment"
}

journal_has_hello() {
        lab_node_journalctl "$NODE" -u "$UNIT" -o cat 2>/dev/null | grep -qx hello
}

check_journal() {
        wait_for 10 journal_has_hello || { lab_node_journalctl "$NODE" -u "$UNIT" -o short-precise | tail -20; return 1; }
}

pod_json() {
        k get pod "$POD" -o json | jq -S .
}

check_apiserver_crash() {
        local before after
        # the agent is killed too (its restart is the next test), so that nothing writes to the pod around
        # the crash: the object must survive the SIGKILL exactly (same uid, resourceVersion, spec, status)
        lab_agent_kill9 "$NODE"
        ! lab_agent_running "$NODE" || { echo "agent survived SIGKILL"; return 1; }
        pod_json > "$LAB/pod-before.json"
        lab_apiserver_restart --kill9
        pod_json > "$LAB/pod-after.json"
        before=$(jq -c '{uid: .metadata.uid, rv: .metadata.resourceVersion, spec: .spec}' "$LAB/pod-before.json")
        after=$(jq -c '{uid: .metadata.uid, rv: .metadata.resourceVersion, spec: .spec}' "$LAB/pod-after.json")
        assert_eq "$before" "$after" "uid, resourceVersion and spec after SIGKILL + restart"
        diff -u "$LAB/pod-before.json" "$LAB/pod-after.json"
        assert_line_match "$(k get pods --no-headers)" "^$POD +1/1 +Running " "kubectl get pods after restart"
}

main_pid() {
        lab_node_systemctl "$NODE" show -p MainPID --value "$UNIT"
}

check_agent_restart() {
        local pid0 pid1
        pid0=$(main_pid)
        assert_match "$pid0" '^[1-9][0-9]*$' "MainPID before agent restart"
        lab_agent_start "$NODE"
        wait_for 20 node_ready
        sleep 1
        pid1=$(main_pid)
        assert_eq "$pid0" "$pid1" "container MainPID across an agent restart"
        assert_eq Running "$(pod_phase)" "pod phase after agent restart"
}

check_delete() {
        local t0 out rc=0
        uid=$(pod_uid)
        echo "${uid//-/_}" > "$LAB/pod-uid_"
        t0=$(lab__now_ms)
        out=$(timeout 60 kubectl delete pod "$POD" --timeout=45s 2>&1) || rc=$?
        echo "# kubectl delete returned after $(($(lab__now_ms) - t0)) ms (rc $rc): $out"
        assert_eq 0 "$rc" "kubectl delete exit status"
        assert_eq "pod \"$POD\" deleted" "$out" "kubectl delete output"
        out=$(k get pod "$POD" 2>&1) && { echo "pod still there: $out"; return 1; }
        assert_contains "$out" "NotFound" "kubectl get after delete"
}

no_pod_units() {
        local units uid_
        uid_=$(cat "$LAB/pod-uid_")
        units=$(lab_node_systemctl "$NODE" list-units --all --no-legend --plain 'kshim*')
        case $units in
        *"_${POD}_"* | *"$uid_"*) return 1 ;;
        esac
        return 0
}

check_units_gone() {
        wait_for 10 no_pod_units || { lab_node_systemctl "$NODE" list-units --all --no-legend --plain 'kshim*'; return 1; }
}

if lab_step "API server, node $NODE and node agent start" setup; then
        lab_check "kubectl get nodes: $NODE Ready" check_node_ready
        lab_check "kubectl apply Pod -> Running" check_pod_running
        if pod_running; then
                lab_check "node has the pod slice and $UNIT" check_units
                lab_check "journalctl -u $UNIT in the node shows 'hello'" check_journal
                lab_check "API server SIGKILL + restart: pod object unchanged" check_apiserver_crash
                lab_check "agent restart (after SIGKILL) adopts the running container" check_agent_restart
                lab_check "kubectl delete pod returns once the pod is gone" check_delete
                lab_check "the pod's units are gone from the node" check_units_gone
        else
                lab_fail_rest "pod slice and unit" "journal" "API server crash" "agent restart" "delete" "units gone"
        fi
else
        lab_fail_rest "node Ready" "pod Running" "units" "journal" "API server crash" "agent restart" "delete" "units gone"
fi
lab_finish
