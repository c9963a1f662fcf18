# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Secrets should patch a secret [Conformance]
# class: 1
# upstream: test/e2e/common/node/secrets.go
# Create a labelled Secret, find it in a cluster-wide list, patch data (base64) and labels, read back the
# decoded value, deletecollection by label, and see it gone from the list.
import base64

import conf
from kubernetes import client


def b64(s):
    return base64.b64encode(s.encode()).decode()


def test():
    ns = conf.namespace("secret-patch")
    core = conf.core
    name = "secret-patch-test"
    conf.step("create")
    core.create_namespaced_secret(ns, client.V1Secret(
        metadata=client.V1ObjectMeta(name=name, labels={"testsecret-constant": "true"}),
        data={"key": b64("value")}, type="Opaque"))
    conf.step("list all namespaces")
    lst = core.list_secret_for_all_namespaces(label_selector="testsecret-constant=true")
    conf.check([s for s in lst.items if s.metadata.name == name and s.metadata.namespace == ns], "secret not listed")
    conf.step("patch")
    core.patch_namespaced_secret(name, ns, {"metadata": {"labels": {"testsecret": "true"}},
                                            "data": {"key": b64("value1")}})
    s = core.read_namespaced_secret(name, ns)
    conf.check_eq("value1", base64.b64decode(s.data["key"]).decode(), "decoded data after patch")
    conf.check_eq("true", s.metadata.labels.get("testsecret"), "label after patch")
    conf.step("deletecollection by label")
    core.delete_collection_namespaced_secret(ns, label_selector="testsecret-constant=true")
    lst = core.list_secret_for_all_namespaces(label_selector="testsecret-constant=true")
    conf.check(not [s for s in lst.items if s.metadata.namespace == ns], "secret still listed after deletecollection")


conf.main(test)
