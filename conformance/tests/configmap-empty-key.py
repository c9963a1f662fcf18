# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] ConfigMap should fail to create ConfigMap with empty key [Conformance]
# class: 1
# upstream: test/e2e/common/node/configmap.go
# A ConfigMap whose data has the key "" is invalid: create answers 422 (and nothing is stored).
import conf
from kubernetes import client


def test():
    ns = conf.namespace("cm-empty-key")
    conf.step("create with empty key")
    e = conf.expect_status(422, conf.core.create_namespaced_config_map, ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="configmap-test-emptykey"), data={"": "value-1"}))
    conf.check("Invalid" in (e.body or ""), "422 body is not an Invalid Status")
    conf.check(conf.gone(conf.core.read_namespaced_config_map, "configmap-test-emptykey", ns),
               "the invalid configmap was stored")


conf.main(test)
