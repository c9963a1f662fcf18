# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Namespaces [Serial] should apply an update to a Namespace [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/namespace.go
# Read a Namespace, add a label, PUT it back (with the resourceVersion read); the label persists and the
# resourceVersion changes.
import conf


def test():
    ns = conf.namespace("nsupdate")
    core = conf.core
    conf.step("read and update")
    n = core.read_namespace(ns)
    old_rv = n.metadata.resource_version
    n.metadata.labels = dict(n.metadata.labels or {}, **{"e2e-ns-update": "updated"})
    core.replace_namespace(ns, n)
    conf.step("read back")
    n2 = core.read_namespace(ns)
    conf.check_eq("updated", n2.metadata.labels.get("e2e-ns-update"), "label after update")
    conf.check(n2.metadata.resource_version != old_rv, "resourceVersion did not change on update")


conf.main(test)
