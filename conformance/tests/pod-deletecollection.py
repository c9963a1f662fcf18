# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Pods should delete a collection of pods [Conformance]
# class: 2
# upstream: test/e2e/common/node/pods.go
# Three running labelled pods; deletecollection by label (graceful, so the node stops them); within the
# timeout a list by label is empty.
import conf


def test():
    conf.need_node()
    ns = conf.namespace("pods-dc")
    core = conf.core
    conf.step("create 3 pods")
    for i in range(1, 4):
        core.create_namespaced_pod(ns, conf.pod_manifest(f"test-pod-{i}", labels={"type": "Testing"}))
    for i in range(1, 4):
        conf.wait_running(ns, f"test-pod-{i}")
    conf.step("deletecollection")
    core.delete_collection_namespaced_pod(ns, label_selector="type=Testing", grace_period_seconds=1)
    conf.step("wait for the pods to be gone")
    conf.wait_for(lambda: not core.list_namespaced_pod(ns, label_selector="type=Testing").items, 40,
                  "no pods left")


conf.main(test)
