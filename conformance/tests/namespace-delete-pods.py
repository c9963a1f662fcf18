# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Namespaces [Serial] should ensure that all pods are removed when a namespace is deleted [Conformance]
# class: 2
# upstream: test/e2e/apimachinery/namespace.go
# A running pod in a new namespace; the namespace is deleted; within the timeout the namespace is gone
# (404) and so is the pod; recreating a namespace of the same name shows no pods.
import conf
from kubernetes import client


def test():
    conf.need_node()
    core = conf.core
    ns = f"nsdeletetest-{conf.rand()}"
    conf.step("create namespace and pod")
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    conf.on_cleanup(lambda: core.delete_namespace(ns))
    core.create_namespaced_pod(ns, conf.pod_manifest("test-pod"))
    conf.wait_running(ns, "test-pod")
    conf.step("delete namespace")
    core.delete_namespace(ns)
    conf.step("wait for the namespace to be gone")
    conf.wait_for(lambda: conf.gone(core.read_namespace, ns), 60, f"namespace {ns} to be removed")
    conf.step("recreate and check for pods")
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    conf.check_eq([], [p.metadata.name for p in core.list_namespaced_pod(ns).items], "pods in the recreated namespace")


conf.main(test)
