# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/watch.go
# A label-selected watch: ADDED, MODIFIED; the label is changed so the object leaves the selector ->
# DELETED; a change while outside is not seen; the label is restored -> ADDED (with the change); a last
# modification -> MODIFIED; delete -> DELETED.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("watch-sel")
    core = conf.core
    name = "e2e-watch-test-label-changed"
    key, val = "watch-this-configmap", "label-changed-and-restored"
    conf.step("watch and changes")
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    w = conf.start_watch(core.list_namespaced_config_map, ns, resource_version=rv, label_selector=f"{key}={val}")
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(
        name=name, labels={key: val})))
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "1"}})
    core.patch_namespaced_config_map(name, ns, {"metadata": {"labels": {key: "wrong-value"}}})
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "2"}})
    core.patch_namespaced_config_map(name, ns, {"metadata": {"labels": {key: val}}})
    core.patch_namespaced_config_map(name, ns, {"data": {"mutation": "3"}})
    core.delete_namespaced_config_map(name, ns)
    conf.step("check events")
    ev = w(count=6, wait=10)
    got = [(t, (o.data or {}).get("mutation")) for t, o in ev]
    want = [("ADDED", None), ("MODIFIED", "1"), ("DELETED", "1"), ("ADDED", "2"), ("MODIFIED", "3"),
            ("DELETED", "3")]
    conf.check_eq(want, got, "events of the label-selected watch")


conf.main(test)
