# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Watchers should be able to start watching from a specific resource version [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/watch.go
# Create a ConfigMap, modify it 3 times, delete it; a watch started at the resourceVersion of the first
# modification sees exactly MODIFIED (mutation 2), MODIFIED (mutation 3), DELETED.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("watch-rv")
    core = conf.core
    name = "e2e-watch-test-resource-version"
    conf.step("create and modify")
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(
        name=name, labels={"watch-this-configmap": "from-resource-version"})))
    first = core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "1"}})
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "2"}})
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "3"}})
    core.delete_namespaced_config_map(name, ns)
    conf.step("watch from the first modification's resourceVersion")
    ev = conf.watch_events(core.list_namespaced_config_map, ns, count=3, timeout=8,
                           resource_version=first.metadata.resource_version,
                           label_selector="watch-this-configmap=from-resource-version")
    got = [(t, (o.data or {}).get("mutation")) for t, o in ev]
    conf.check_eq([("MODIFIED", "2"), ("MODIFIED", "3"), ("DELETED", "3")], got, "events after the resourceVersion")


conf.main(test)
