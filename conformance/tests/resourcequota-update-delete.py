# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] ResourceQuota should be able to update and delete ResourceQuota. [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/resource_quota.go
# Create a ResourceQuota (hard cpu 1, memory 500Mi), read it, update hard cpu to 2 (PUT), read the new
# value, delete it; get answers 404.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("quota")
    core = conf.core
    name = "test-quota"
    conf.step("create")
    core.create_namespaced_resource_quota(ns, client.V1ResourceQuota(
        metadata=client.V1ObjectMeta(name=name), spec=client.V1ResourceQuotaSpec(hard={"cpu": "1", "memory": "500Mi"})))
    conf.step("get")
    q = core.read_namespaced_resource_quota(name, ns)
    conf.check_eq({"cpu": "1", "memory": "500Mi"}, q.spec.hard, "spec.hard")
    conf.step("update")
    q.spec.hard["cpu"] = "2"
    core.replace_namespaced_resource_quota(name, ns, q)
    conf.check_eq("2", core.read_namespaced_resource_quota(name, ns).spec.hard.get("cpu"), "hard cpu after update")
    conf.step("delete")
    core.delete_namespaced_resource_quota(name, ns)
    conf.check(conf.gone(core.read_namespaced_resource_quota, name, ns), "quota still readable")


conf.main(test)
