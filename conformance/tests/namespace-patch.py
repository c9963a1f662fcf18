# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Namespaces [Serial] should patch a Namespace [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/namespace.go
# A strategic-merge patch adds a label to a Namespace; the label is there on read.
import conf


def test():
    ns = conf.namespace("nspatch")
    conf.step("patch label")
    conf.core.patch_namespace(ns, {"metadata": {"labels": {"testLabel": "testValue"}}})
    conf.step("read")
    n = conf.core.read_namespace(ns)
    conf.check_eq("testValue", (n.metadata.labels or {}).get("testLabel"), "label after patch")


conf.main(test)
