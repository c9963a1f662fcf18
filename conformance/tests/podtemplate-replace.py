# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] PodTemplates should replace a pod template [Conformance]
# class: 1
# upstream: test/e2e/common/node/podtemplates.go
# Create a PodTemplate, replace it (PUT) with an added annotation, read back the annotation.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("podtemplate-replace")
    core = conf.core
    name = "podtemplate-replace"
    conf.step("create")
    core.create_namespaced_pod_template(ns, client.V1PodTemplate(
        metadata=client.V1ObjectMeta(name=name),
        template=client.V1PodTemplateSpec(spec=client.V1PodSpec(
            containers=[client.V1Container(name="e2e-test", image=conf.IMAGE)]))))
    conf.step("replace")
    pt = core.read_namespaced_pod_template(name, ns)
    pt.metadata.annotations = {"updated": "true"}
    core.replace_namespaced_pod_template(name, ns, pt)
    conf.check_eq("true", (core.read_namespaced_pod_template(name, ns).metadata.annotations or {}).get("updated"),
                  "annotation after replace")


conf.main(test)
