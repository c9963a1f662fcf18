# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] RuntimeClass should support RuntimeClasses API operations [Conformance]
# class: 1
# upstream: test/e2e/common/node/runtimeclass.go
# node.k8s.io/v1 is in discovery with runtimeclasses; create three, get, list by label, watch, patch
# (annotation), update, delete one, deletecollection the rest by label.
import conf
from kubernetes import client


def test():
    api = client.NodeV1Api(conf.api_client)
    label = f"test-{conf.rand()}"
    conf.step("discovery")
    code, _, rl = conf.raw("GET", "/apis/node.k8s.io/v1")
    conf.check_eq(200, code, "GET /apis/node.k8s.io/v1")
    conf.check("runtimeclasses" in [r["name"] for r in rl.get("resources", [])], "runtimeclasses not in discovery")
    conf.step("create")
    names = [f"{label}-{i}" for i in range(3)]
    for n in names:
        api.create_runtime_class(client.V1RuntimeClass(metadata=client.V1ObjectMeta(name=n, labels={"test": label}),
                                                       handler="runc"))
        conf.on_cleanup(lambda n=n: api.delete_runtime_class(n))
    conf.step("get and list")
    conf.check_eq("runc", api.read_runtime_class(names[0]).handler, "handler")
    conf.check_eq(3, len(api.list_runtime_class(label_selector=f"test={label}").items), "listed by label")
    conf.step("patch and update")
    api.patch_runtime_class(names[0], {"metadata": {"annotations": {"patched": "true"}}})
    rc = api.read_runtime_class(names[0])
    conf.check_eq("true", (rc.metadata.annotations or {}).get("patched"), "annotation after patch")
    rc.metadata.annotations["updated"] = "true"
    api.replace_runtime_class(names[0], rc)
    conf.check_eq("true", api.read_runtime_class(names[0]).metadata.annotations.get("updated"), "after update")
    conf.step("delete and deletecollection")
    api.delete_runtime_class(names[0])
    conf.check(conf.gone(api.read_runtime_class, names[0]), "deleted runtimeclass still readable")
    api.delete_collection_runtime_class(label_selector=f"test={label}")
    conf.check_eq(0, len(api.list_runtime_class(label_selector=f"test={label}").items), "after deletecollection")


conf.main(test)
