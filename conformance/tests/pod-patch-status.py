# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Pods should patch a pod status [Conformance]
# class: 2
# upstream: test/e2e/common/node/pods.go
# A running pod's /status is patched (a merge patch adding a condition and status.message); the answer
# and a later read carry the patched values, and spec is untouched.
import conf


def test():
    conf.need_node()
    ns = conf.namespace("pods-status")
    core = conf.core
    name = "pod-patch-status"
    conf.step("create")
    core.create_namespaced_pod(ns, conf.pod_manifest(name))
    conf.wait_running(ns, name)
    conf.step("patch status")
    p = core.patch_namespaced_pod_status(name, ns, {"status": {"message": "Patched by e2e",
                                                               "conditions": [{"type": "StatusPatched",
                                                                               "status": "True"}]}})
    conf.check_eq("Patched by e2e", p.status.message, "status.message in the answer")
    conf.check("StatusPatched" in [c.type for c in p.status.conditions or []], "condition in the answer")
    conf.step("read back")
    p = core.read_namespaced_pod(name, ns)
    conf.check("StatusPatched" in [c.type for c in p.status.conditions or []], "patched condition on read")
    conf.check_eq(conf.IMAGE, p.spec.containers[0].image, "spec image")


conf.main(test)
