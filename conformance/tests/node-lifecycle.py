# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Node Lifecycle should run through the lifecycle of a node [Conformance]
# class: 1
# upstream: test/e2e/node/node_lifecycle.go
# A fake Node (no agent behind it): create, get, patch a label, list by label selector, update, delete;
# a watch on that node sees ADDED .. DELETED; get answers 404 afterwards.
import conf
from kubernetes import client


def test():
    core = conf.core
    name = f"e2e-fake-node-{conf.rand()}"
    conf.on_cleanup(lambda: core.delete_node(name))
    conf.step("create")
    rv = core.list_node().metadata.resource_version
    w = conf.start_watch(core.list_node, field_selector=f"metadata.name={name}", resource_version=rv)
    core.create_node(client.V1Node(metadata=client.V1ObjectMeta(name=name),
                                   status=client.V1NodeStatus(phase="Pending")))
    conf.step("get")
    conf.check_eq(name, core.read_node(name).metadata.name, "name")
    conf.step("patch")
    core.patch_node(name, {"metadata": {"labels": {name: "patched"}}})
    conf.step("list by label")
    lst = core.list_node(label_selector=f"{name}=patched")
    conf.check_eq([name], [n.metadata.name for n in lst.items], "nodes listed by label")
    conf.step("update")
    n = core.read_node(name)
    n.metadata.labels[name] = "updated"
    core.replace_node(name, n)
    conf.check_eq("updated", core.read_node(name).metadata.labels.get(name), "label after update")
    conf.step("delete")
    core.delete_node(name)
    conf.wait_for(lambda: conf.gone(core.read_node, name), 10, "node to be gone")
    ev = w(until=lambda e: e and e[-1][0] == "DELETED", wait=10)
    conf.check_eq("ADDED", ev[0][0] if ev else None, "first watch event")
    conf.check_eq("DELETED", ev[-1][0] if ev else None, "last watch event")


conf.main(test)
