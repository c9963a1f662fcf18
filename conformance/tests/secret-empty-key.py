# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Secrets should fail to create secret due to empty secret key [Conformance]
# class: 1
# upstream: test/e2e/common/node/secrets.go
# A Secret whose data has the key "" is invalid: create answers 422 and nothing is stored.
import base64

import conf
from kubernetes import client


def test():
    ns = conf.namespace("secret-empty-key")
    conf.step("create with empty key")
    conf.expect_status(422, conf.core.create_namespaced_secret, ns, client.V1Secret(
        metadata=client.V1ObjectMeta(name="secret-emptykey-test"),
        data={"": base64.b64encode(b"value-1").decode()}))
    conf.check(conf.gone(conf.core.read_namespaced_secret, "secret-emptykey-test", ns), "invalid secret stored")


conf.main(test)
