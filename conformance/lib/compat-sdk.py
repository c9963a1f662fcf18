# SPDX-License-Identifier: Apache-2.0
"""compat-sdk.py NAMESPACE SCENARIO: one python3-kubernetes cell of the compatibility grid.

Scenarios: list, watch with bookmarks, create, patch strategic+merge, delete. Exit 0 = works."""
import sys

import conf
from kubernetes import client

NS, SC = sys.argv[1], sys.argv[2]
core = conf.core


def cm(name, labels=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels or {}), data={"key": "v1"})


def t_list():
    for i in range(3):
        core.create_namespaced_config_map(NS, cm(f"list-{i}", {"compat": "list"}))
    conf.step("list with labelSelector and limit")
    lst = core.list_namespaced_config_map(NS, label_selector="compat=list", limit=2)
    conf.check_eq(2, len(lst.items), "items on the first page (limit 2)")
    conf.check(lst.metadata._continue, "no continue token")
    rest = core.list_namespaced_config_map(NS, label_selector="compat=list", limit=2, _continue=lst.metadata._continue)
    conf.check_eq(["list-0", "list-1", "list-2"], sorted(x.metadata.name for x in lst.items + rest.items),
                  "names over both pages")


def t_watch():
    rv = core.list_namespaced_config_map(NS).metadata.resource_version
    conf.step("watch allowWatchBookmarks=True from the list resourceVersion")
    w = conf.start_watch(core.list_namespaced_config_map, NS, resource_version=rv, allow_watch_bookmarks=True,
                         timeout=8)
    core.create_namespaced_config_map(NS, cm("watch-1"))
    # other cells write to the same namespace at the same time: look for our object
    def mine(e):
        return [o for t, o in e if t == "ADDED" and not isinstance(o, dict) and o.metadata.name == "watch-1"]
    ev = w(until=mine, wait=8)
    conf.check(mine(ev), f"no ADDED event for watch-1: {[t for t, _ in ev]}")
    for t, o in ev:
        if t == "BOOKMARK":  # the SDK hands bookmarks through as dicts
            rvb = o["metadata"]["resourceVersion"] if isinstance(o, dict) else o.metadata.resource_version
            conf.check(rvb, "BOOKMARK without resourceVersion")


def t_create():
    conf.step("create")
    r = core.create_namespaced_config_map(NS, cm("create-1"))
    conf.check(r.metadata.uid and r.metadata.resource_version, "create answer lacks uid/resourceVersion")
    conf.check_eq("v1", core.read_namespaced_config_map("create-1", NS).data["key"], "data on read")
    conf.expect_status(409, core.create_namespaced_config_map, NS, cm("create-1"))


def t_patch():
    core.create_namespaced_config_map(NS, cm("patch-1"))
    conf.step("strategic merge patch (dict body)")
    core.patch_namespaced_config_map("patch-1", NS, {"data": {"smp": "yes"}})
    conf.step("merge patch (ApiClient.call_api with Content-Type application/merge-patch+json)")
    # 22.6's generated patch_* always pick strategic merge for a dict; call_api is the SDK's way to choose
    conf.api_client.call_api(f"/api/v1/namespaces/{NS}/configmaps/patch-1", "PATCH",
                             header_params={"Content-Type": "application/merge-patch+json",
                                            "Accept": "application/json"},
                             body={"data": {"merge": "yes", "key": None}}, response_type="V1ConfigMap",
                             _return_http_data_only=True)
    d = core.read_namespaced_config_map("patch-1", NS).data
    conf.check_eq({"smp": "yes", "merge": "yes"}, d, "data after both patches")


def t_delete():
    conf.need_node()
    core.create_namespaced_config_map(NS, cm("delete-1"))
    conf.step("delete configmap")
    core.delete_namespaced_config_map("delete-1", NS)
    conf.check(conf.gone(core.read_namespaced_config_map, "delete-1", NS), "configmap still there")
    conf.step("delete running pod, gracePeriodSeconds=0")
    core.create_namespaced_pod(NS, conf.pod_manifest("delete-pod"))
    conf.wait_running(NS, "delete-pod")
    core.delete_namespaced_pod("delete-pod", NS, grace_period_seconds=0)
    conf.wait_for(lambda: conf.gone(core.read_namespaced_pod, "delete-pod", NS), 20, "pod to be gone")


conf.main({"list": t_list, "watch with bookmarks": t_watch, "create": t_create,
           "patch strategic+merge": t_patch, "delete": t_delete}.get(SC, lambda: conf.fail(f"unknown scenario {SC}")))
