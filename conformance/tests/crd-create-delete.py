# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition creating/deleting custom resource definition objects works [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/custom_resource_definition.go
# An apiextensions.k8s.io/v1 CustomResourceDefinition is created, becomes Established (its group-version
# is then served), and is deleted (get answers 404).
import conf
from kubernetes import client


def test():
    api = client.ApiextensionsV1Api(conf.api_client)
    group = f"{conf.rand()}.crd-test.com"
    name = f"e2e-test-{conf.rand()}-crds"
    crd = client.V1CustomResourceDefinition(
        metadata=client.V1ObjectMeta(name=f"{name}.{group}"),
        spec=client.V1CustomResourceDefinitionSpec(
            group=group, scope="Cluster",
            names=client.V1CustomResourceDefinitionNames(plural=name, singular=name[:-1], kind="E2eTestCrd",
                                                         list_kind="E2eTestCrdList"),
            versions=[client.V1CustomResourceDefinitionVersion(
                name="v1", served=True, storage=True,
                schema=client.V1CustomResourceValidation(open_apiv3_schema=client.V1JSONSchemaProps(
                    type="object", x_kubernetes_preserve_unknown_fields=True)))]))
    conf.step("create CRD")
    api.create_custom_resource_definition(crd)
    conf.on_cleanup(lambda: api.delete_custom_resource_definition(f"{name}.{group}"))
    conf.step("wait for Established")

    def established():
        c = api.read_custom_resource_definition(f"{name}.{group}")
        return any(x.type == "Established" and x.status == "True" for x in (c.status.conditions or []))
    conf.wait_for(established, 30, "CRD Established")
    code, _, _ = conf.raw("GET", f"/apis/{group}/v1")
    conf.check_eq(200, code, f"GET /apis/{group}/v1")
    conf.step("delete CRD")
    api.delete_custom_resource_definition(f"{name}.{group}")
    conf.wait_for(lambda: conf.gone(api.read_custom_resource_definition, f"{name}.{group}"), 30, "CRD gone")


conf.main(test)
