# SPDX-License-Identifier: Apache-2.0
# codename: [sig-storage] Secrets should be immutable if `immutable` field is set [Conformance]
# class: 1
# upstream: test/e2e/common/storage/secrets_volume.go
# A Secret with immutable=true refuses data changes and un-immutable (422); labels still change; delete works.
import base64

import conf
from kubernetes import client


def test():
    ns = conf.namespace("secret-immutable")
    core = conf.core
    name = "immutable"
    v1 = base64.b64encode(b"value-1").decode()
    conf.step("create")
    core.create_namespaced_secret(ns, client.V1Secret(metadata=client.V1ObjectMeta(name=name), data={"data-1": v1}))
    conf.step("make immutable")
    core.patch_namespaced_secret(name, ns, {"immutable": True})
    conf.check_eq(True, core.read_namespaced_secret(name, ns).immutable, "immutable after patch")
    conf.step("change data")
    conf.expect_status(422, core.patch_namespaced_secret, name, ns,
                       {"data": {"data-1": base64.b64encode(b"value-2").decode()}})
    conf.step("make mutable")
    conf.expect_status(422, core.patch_namespaced_secret, name, ns, {"immutable": False})
    conf.check_eq(v1, core.read_namespaced_secret(name, ns).data["data-1"], "data after refused patch")
    conf.step("labels still change")
    core.patch_namespaced_secret(name, ns, {"metadata": {"labels": {"label1": "value1"}}})
    conf.step("delete")
    core.delete_namespaced_secret(name, ns)
    conf.check(conf.gone(core.read_namespaced_secret, name, ns), "secret still there")


conf.main(test)
