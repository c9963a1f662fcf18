# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Pods Extended Pods Set QOS Class should be set on Pods with matching resource requests and limits for memory and cpu [Conformance]
# class: 1
# upstream: test/e2e/node/pods.go
# A pod whose container has requests == limits for cpu and memory gets status.qosClass Guaranteed,
# set by the API server on create (no node involvement needed).
import conf
from kubernetes import client


def test():
    ns = conf.namespace("qos")
    core = conf.core
    conf.step("create")
    body = conf.pod_manifest("pod-qos-class")
    body["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "100m", "memory": "100Mi"},
                                                  "limits": {"cpu": "100m", "memory": "100Mi"}}
    created = core.create_namespaced_pod(ns, body)
    conf.check_eq("Guaranteed", created.status.qos_class if created.status else None, "qosClass in the create answer")
    conf.step("get")
    conf.check_eq("Guaranteed", core.read_namespaced_pod("pod-qos-class", ns).status.qos_class, "qosClass on read")
    core.delete_namespaced_pod("pod-qos-class", ns, grace_period_seconds=0)


conf.main(test)
