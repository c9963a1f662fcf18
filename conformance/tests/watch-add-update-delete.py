# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/watch.go
# Three label-selected watches (label A, label B, A or B). ConfigMap A is created, modified twice,
# deleted; B is created and deleted. Each watch sees exactly the events of the objects it selects, in
# order, with the right data; a watch never sees the other label's object.
import conf
from kubernetes import client

L = "watch-this-configmap"


def test():
    ns = conf.namespace("watch-aud")
    core = conf.core
    conf.step("start watches")
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    wa = conf.start_watch(core.list_namespaced_config_map, ns, resource_version=rv, label_selector=f"{L}=multiple-watchers-A")
    wb = conf.start_watch(core.list_namespaced_config_map, ns, resource_version=rv, label_selector=f"{L}=multiple-watchers-B")
    wab = conf.start_watch(core.list_namespaced_config_map, ns,
                           label_selector=f"{L} in (multiple-watchers-A,multiple-watchers-B)")
    conf.step("changes to A")
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(
        name="e2e-watch-test-configmap-a", labels={L: "multiple-watchers-A"})))
    core.patch_namespaced_config_map("e2e-watch-test-configmap-a", ns, {"data": {"mutation": "1"}})
    core.patch_namespaced_config_map("e2e-watch-test-configmap-a", ns, {"data": {"mutation": "2"}})
    core.delete_namespaced_config_map("e2e-watch-test-configmap-a", ns)
    conf.step("changes to B")
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(
        name="e2e-watch-test-configmap-b", labels={L: "multiple-watchers-B"})))
    core.delete_namespaced_config_map("e2e-watch-test-configmap-b", ns)

    def seen(w, n):
        return [(t, o.metadata.name[-1], (o.data or {}).get("mutation")) for t, o in w(count=n, wait=10)]

    conf.step("watch A")
    a = [("ADDED", "a", None), ("MODIFIED", "a", "1"), ("MODIFIED", "a", "2"), ("DELETED", "a", "2")]
    b = [("ADDED", "b", None), ("DELETED", "b", None)]
    conf.check_eq(a, seen(wa, 4), "events on the A watch")
    conf.step("watch B")
    conf.check_eq(b, seen(wb, 2), "events on the B watch")
    conf.step("watch A or B")
    conf.check_eq(a + b, seen(wab, 6), "events on the A-or-B watch")
    conf.check_eq(4, len(wa(wait=0.5)), "number of events on the A watch (no extra ones)")


conf.main(test)
