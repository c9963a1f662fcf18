# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Watchers should be able to restart watching from the last resource version observed by the previous watch [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/watch.go
# A watch sees ADDED and two MODIFIED events and is closed; while no watch is open the ConfigMap is
# modified again and deleted; a new watch from the last resourceVersion seen delivers exactly those
# (MODIFIED mutation 3, DELETED), nothing twice, nothing lost.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("watch-restart")
    core = conf.core
    name = "e2e-watch-test-watch-closed"
    sel = "watch-this-configmap=watch-closed-and-restarted"
    conf.step("first watch")
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    w = conf.start_watch(core.list_namespaced_config_map, ns, resource_version=rv, label_selector=sel)
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(
        name=name, labels={"watch-this-configmap": "watch-closed-and-restarted"})))
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "1"}})
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "2"}})
    ev = w(count=3, wait=10)
    w.stop()
    conf.check_eq(["ADDED", "MODIFIED", "MODIFIED"], [t for t, _ in ev[:3]], "first watch events")
    last_rv = ev[2][1].metadata.resource_version
    conf.step("changes while no watch is open")
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "3"}})
    core.delete_namespaced_config_map(name, ns)
    conf.step("second watch from the last resourceVersion")
    ev = conf.watch_events(core.list_namespaced_config_map, ns, count=2, timeout=8,
                           resource_version=last_rv, label_selector=sel)
    conf.check_eq([("MODIFIED", "3"), ("DELETED", "3")], [(t, (o.data or {}).get("mutation")) for t, o in ev],
                  "events of the restarted watch")


conf.main(test)
