# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Pods should run through the lifecycle of Pods and PodStatus [Conformance]
# class: 2
# upstream: test/e2e/common/node/pods.go
# A watch follows a labelled pod: created, running and Ready; patched (label), listed by label in all
# namespaces; its status read and replaced (a condition added) through /status; deleted (graceful) ->
# the watch ends with DELETED.
import conf
from kubernetes import client


def test():
    conf.need_node()
    ns = conf.namespace("pods-lifecycle")
    core = conf.core
    name = "pod-test"
    sel = "test-pod-static=true"
    conf.step("watch and create")
    rv = core.list_namespaced_pod(ns).metadata.resource_version
    w = conf.start_watch(core.list_namespaced_pod, ns, label_selector=sel, resource_version=rv, timeout=60)
    core.create_namespaced_pod(ns, conf.pod_manifest(name, labels={"test-pod-static": "true"}))
    conf.step("running and ready")

    def ready():
        p = core.read_namespaced_pod(name, ns)
        return p.status.phase == "Running" and any(c.type == "Ready" and c.status == "True"
                                                   for c in p.status.conditions or [])
    conf.wait_for(ready, 30, "pod Running and Ready")
    conf.step("patch")
    core.patch_namespaced_pod(name, ns, {"metadata": {"labels": {"test-pod": "patched"}}})
    conf.step("list all namespaces")
    lst = core.list_pod_for_all_namespaces(label_selector="test-pod=patched")
    conf.check([p for p in lst.items if p.metadata.namespace == ns], "pod not listed by its patched label")
    conf.step("replace status")
    st = core.read_namespaced_pod_status(name, ns)
    st.status.conditions = (st.status.conditions or []) + [client.V1PodCondition(type="PodStatusUpdate",
                                                                                 status="True")]
    core.replace_namespaced_pod_status(name, ns, st)
    conf.check("PodStatusUpdate" in [c.type for c in core.read_namespaced_pod(name, ns).status.conditions or []],
               "condition after status update")
    conf.step("delete")
    core.delete_namespaced_pod(name, ns)
    ev = w(until=lambda e: any(t == "DELETED" for t, _ in e), wait=40)
    conf.check_eq("DELETED", ev[-1][0] if ev else None, "last watch event")


conf.main(test)
