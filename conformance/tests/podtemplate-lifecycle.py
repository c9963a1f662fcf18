# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] PodTemplates should run the lifecycle of PodTemplates [Conformance]
# class: 1
# upstream: test/e2e/common/node/podtemplates.go
# PodTemplate: create (labelled), list in all namespaces by label, patch a label, get, delete, and the
# list by label is empty.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("podtemplate")
    core = conf.core
    name = "nginx-pod-template"
    conf.step("create")
    core.create_namespaced_pod_template(ns, client.V1PodTemplate(
        metadata=client.V1ObjectMeta(name=name, labels={"podtemplate-static": "true"}),
        template=client.V1PodTemplateSpec(spec=client.V1PodSpec(
            containers=[client.V1Container(name="nginx", image=conf.IMAGE)]))))
    conf.step("list all namespaces")
    lst = core.list_pod_template_for_all_namespaces(label_selector="podtemplate-static=true")
    conf.check([p for p in lst.items if p.metadata.namespace == ns], "podtemplate not listed")
    conf.step("patch")
    core.patch_namespaced_pod_template(name, ns, {"metadata": {"labels": {"podtemplate": "patched"}}})
    conf.check_eq("patched", core.read_namespaced_pod_template(name, ns).metadata.labels.get("podtemplate"),
                  "label after patch")
    conf.step("delete")
    core.delete_namespaced_pod_template(name, ns)
    conf.check_eq(0, len(core.list_namespaced_pod_template(ns, label_selector="podtemplate-static=true").items),
                  "podtemplates after delete")


conf.main(test)
