# SPDX-License-Identifier: Apache-2.0
# codename: [sig-auth] ServiceAccounts should run through the lifecycle of a ServiceAccount [Conformance]
# class: 1
# upstream: test/e2e/auth/service_accounts.go
# A label-selected watch sees the ServiceAccount ADDED; patch automountServiceAccountToken=false (seen as
# MODIFIED, value on read), find it in an all-namespaces list by label, deletecollection by label -> the
# watch sees DELETED.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("sa-lifecycle")
    core = conf.core
    name = "testserviceaccount"
    sel = "test-serviceaccount-static=true"
    conf.step("watch and create")
    rv = core.list_namespaced_service_account(ns).metadata.resource_version
    w = conf.start_watch(core.list_namespaced_service_account, ns, label_selector=sel, resource_version=rv)
    core.create_namespaced_service_account(ns, client.V1ServiceAccount(
        metadata=client.V1ObjectMeta(name=name, labels={"test-serviceaccount-static": "true"})))
    conf.check_eq("ADDED", (w(count=1, wait=10) or [("none",)])[0][0], "first watch event")
    conf.step("patch")
    core.patch_namespaced_service_account(name, ns, {"automountServiceAccountToken": False})
    conf.check_eq(False, core.read_namespaced_service_account(name, ns).automount_service_account_token,
                  "automountServiceAccountToken after patch")
    conf.step("list all namespaces")
    lst = core.list_service_account_for_all_namespaces(label_selector=sel)
    conf.check([s for s in lst.items if s.metadata.namespace == ns], "serviceaccount not listed")
    conf.step("deletecollection")
    core.delete_collection_namespaced_service_account(ns, label_selector=sel)
    ev = w(until=lambda e: e[-1][0] == "DELETED", wait=10)
    conf.check_eq(["ADDED", "MODIFIED", "DELETED"], [t for t, _ in ev], "watch events")


conf.main(test)
