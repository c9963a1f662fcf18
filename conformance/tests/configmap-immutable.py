# SPDX-License-Identifier: Apache-2.0
# codename: [sig-storage] ConfigMap should be immutable if `immutable` field is set [Conformance]
# class: 1
# upstream: test/e2e/common/storage/configmap_volume.go
# A ConfigMap with immutable=true refuses changes to data and to immutable (422); metadata (labels)
# may still change; it can be deleted.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("cm-immutable")
    core = conf.core
    name = "immutable"
    conf.step("create mutable")
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name),
                                                             data={"data-1": "value-1"}))
    conf.step("make immutable by patch")
    core.patch_namespaced_config_map(name, ns, {"immutable": True, "data": {"data-1": "value-1"}})
    cm = core.read_namespaced_config_map(name, ns)
    conf.check_eq(True, cm.immutable, "immutable after patch")
    conf.step("change data of an immutable configmap")
    conf.expect_status(422, core.patch_namespaced_config_map, name, ns, {"data": {"data-1": "value-2"}})
    conf.step("make it mutable again")
    conf.expect_status(422, core.patch_namespaced_config_map, name, ns, {"immutable": False})
    conf.check_eq("value-1", core.read_namespaced_config_map(name, ns).data["data-1"], "data after refused patch")
    conf.step("labels still change")
    core.patch_namespaced_config_map(name, ns, {"metadata": {"labels": {"label1": "value1"}}})
    conf.check_eq("value1", core.read_namespaced_config_map(name, ns).metadata.labels.get("label1"), "label")
    conf.step("delete")
    core.delete_namespaced_config_map(name, ns)
    conf.check(conf.gone(core.read_namespaced_config_map, name, ns), "configmap still there")


conf.main(test)
