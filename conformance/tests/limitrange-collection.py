# SPDX-License-Identifier: Apache-2.0
# codename: [sig-scheduling] LimitRange should list, patch and delete a LimitRange by collection [Conformance]
# class: 1
# upstream: test/e2e/scheduling/limit_range.go
# A labelled LimitRange: listed in all namespaces by label, patched (new default memory request, shown on
# read), deleted by deletecollection with the label; none left.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("limitrange")
    core = conf.core
    name = "e2e-limitrange"
    conf.step("create")
    core.create_namespaced_limit_range(ns, client.V1LimitRange(
        metadata=client.V1ObjectMeta(name=name, labels={"e2e-test": name}),
        spec=client.V1LimitRangeSpec(limits=[client.V1LimitRangeItem(
            type="Container", min={"cpu": "100m", "memory": "10Mi"}, max={"cpu": "500m", "memory": "500Mi"},
            default_request={"cpu": "100m", "memory": "200Mi"}, default={"cpu": "500m", "memory": "500Mi"})])))
    conf.step("list all namespaces")
    lst = core.list_limit_range_for_all_namespaces(label_selector=f"e2e-test={name}")
    conf.check([x for x in lst.items if x.metadata.namespace == ns], "limitrange not listed")
    conf.step("patch")
    core.patch_namespaced_limit_range(name, ns, {"metadata": {"labels": {"e2e-test": name, "patched": "true"}},
                                                 "spec": {"limits": [{"type": "Container",
                                                                      "defaultRequest": {"memory": "300Mi"}}]}})
    lr = core.read_namespaced_limit_range(name, ns)
    conf.check_eq("true", lr.metadata.labels.get("patched"), "label after patch")
    conf.check_eq("300Mi", lr.spec.limits[0].default_request.get("memory"), "defaultRequest memory after patch")
    conf.step("deletecollection")
    core.delete_collection_namespaced_limit_range(ns, label_selector=f"e2e-test={name}")
    conf.check_eq(0, len(core.list_namespaced_limit_range(ns, label_selector=f"e2e-test={name}").items),
                  "limitranges after deletecollection")


conf.main(test)
