# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Namespaces [Serial] should apply a finalizer to a Namespace [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/namespace.go
# PUT namespaces/<ns>/finalize adds spec.finalizers "e2e.example.com/fakeFinalizer" (next to
# "kubernetes"); a second PUT removes it again.
import conf


def test():
    ns = conf.namespace("nsfinalize")
    core = conf.core
    fake = "e2e.example.com/fakeFinalizer"
    conf.step("add finalizer via /finalize")
    n = core.read_namespace(ns)
    before = list(n.spec.finalizers or [])
    conf.check("kubernetes" in before, f"spec.finalizers lacks 'kubernetes': {before}")
    n.spec.finalizers = before + [fake]
    r = core.replace_namespace_finalize(ns, n)
    conf.check(fake in (r.spec.finalizers or []), f"finalizer not in the response: {r.spec.finalizers}")
    conf.check(fake in (core.read_namespace(ns).spec.finalizers or []), "finalizer not stored")
    conf.step("remove finalizer via /finalize")
    n = core.read_namespace(ns)
    n.spec.finalizers = [f for f in n.spec.finalizers if f != fake]
    core.replace_namespace_finalize(ns, n)
    conf.check(fake not in (core.read_namespace(ns).spec.finalizers or []), "finalizer not removed")


conf.main(test)
