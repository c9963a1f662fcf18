# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] ConfigMap should run through a ConfigMap lifecycle [Conformance]
# class: 1
# upstream: test/e2e/common/node/configmap.go
# Create a labelled ConfigMap, patch its data and labels, find it in a cluster-wide list by label
# selector, delete it with deletecollection by label, and see that it is gone.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("cm-lifecycle")
    core = conf.core
    name = "e2e-configmap-test"
    conf.step("create")
    core.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels={"test-configmap-static": "true"}),
        data={"valueName": "value"}))
    conf.step("patch")
    core.patch_namespaced_config_map(name, ns, {"metadata": {"labels": {"test-configmap": "patched"}},
                                                "data": {"valueName": "value1"}})
    cm = core.read_namespaced_config_map(name, ns)
    conf.check_eq("value1", cm.data.get("valueName"), "data after patch")
    conf.check_eq("patched", (cm.metadata.labels or {}).get("test-configmap"), "label after patch")
    conf.check_eq("true", (cm.metadata.labels or {}).get("test-configmap-static"), "static label kept")
    conf.step("list all namespaces by label")
    lst = core.list_config_map_for_all_namespaces(label_selector="test-configmap-static=true")
    conf.check([c for c in lst.items if c.metadata.name == name and c.metadata.namespace == ns],
               "patched configmap not found by label selector")
    conf.check(all((c.metadata.labels or {}).get("test-configmap-static") == "true" for c in lst.items),
               "label selector returned a configmap without the label")
    conf.step("deletecollection by label")
    core.delete_collection_namespaced_config_map(ns, label_selector="test-configmap-static=true")
    conf.step("list after deletecollection")
    lst = core.list_namespaced_config_map(ns, label_selector="test-configmap-static=true")
    conf.check_eq([], [c.metadata.name for c in lst.items], "configmaps left after deletecollection")
    conf.check(conf.gone(core.read_namespaced_config_map, name, ns), "configmap still readable")


conf.main(test)
