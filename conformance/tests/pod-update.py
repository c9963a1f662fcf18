# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Pods should be updated [NodeConformance] [Conformance]
# class: 2
# upstream: test/e2e/common/node/pods.go
# A running pod's labels are updated (read-modify-write PUT); a list by the new label finds it, it keeps
# running.
import time

import conf


def test():
    conf.need_node()
    ns = conf.namespace("pods-update")
    core = conf.core
    name = "pod-update"
    conf.step("create")
    core.create_namespaced_pod(ns, conf.pod_manifest(name, labels={"name": "foo", "time": "1"}))
    conf.wait_running(ns, name)
    conf.step("update labels")
    p = core.read_namespaced_pod(name, ns)
    p.metadata.labels["time"] = "2"
    core.replace_namespaced_pod(name, ns, p)
    conf.step("list by new label")
    lst = core.list_namespaced_pod(ns, label_selector="time=2")
    conf.check_eq([name], [x.metadata.name for x in lst.items], "pods with the new label")
    time.sleep(1)
    conf.check_eq("Running", core.read_namespaced_pod(name, ns).status.phase, "phase after the update")


conf.main(test)
