# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] PodTemplates should delete a collection of pod templates [Conformance]
# class: 1
# upstream: test/e2e/common/node/podtemplates.go
# Three labelled PodTemplates; listed by label (3); deletecollection by label; none left.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("podtemplate-dc")
    core = conf.core
    conf.step("create")
    for i in range(1, 4):
        core.create_namespaced_pod_template(ns, client.V1PodTemplate(
            metadata=client.V1ObjectMeta(name=f"test-podtemplate-{i}", labels={"podtemplate-set": "true"}),
            template=client.V1PodTemplateSpec(spec=client.V1PodSpec(
                containers=[client.V1Container(name="token-test", image=conf.IMAGE)]))))
    conf.step("list")
    conf.check_eq(3, len(core.list_namespaced_pod_template(ns, label_selector="podtemplate-set=true").items), "listed")
    conf.step("deletecollection")
    core.delete_collection_namespaced_pod_template(ns, label_selector="podtemplate-set=true")
    conf.check_eq(0, len(core.list_namespaced_pod_template(ns, label_selector="podtemplate-set=true").items),
                  "podtemplates after deletecollection")


conf.main(test)
