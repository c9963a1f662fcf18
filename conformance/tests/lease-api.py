# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Lease lease API should be available [Conformance]
# class: 1
# upstream: test/e2e/common/node/lease.go
# coordination.k8s.io/v1 Lease: create, get (spec round-trips, MicroTime kept), update, patch, list in all
# namespaces by label, deletecollection by label, delete, get answers 404.
import datetime

import conf
from kubernetes import client


def test():
    ns = conf.namespace("lease")
    api = conf.coord
    name = "lease"
    t = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)
    conf.step("create")
    api.create_namespaced_lease(ns, client.V1Lease(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1LeaseSpec(holder_identity="holder", lease_duration_seconds=30, acquire_time=t,
                                renew_time=t)))
    conf.step("get")
    l = api.read_namespaced_lease(name, ns)
    conf.check_eq("holder", l.spec.holder_identity, "holderIdentity")
    conf.check_eq(30, l.spec.lease_duration_seconds, "leaseDurationSeconds")
    conf.check_eq(t, l.spec.acquire_time, "acquireTime (MicroTime, microseconds kept)")
    conf.step("update")
    l.spec.holder_identity = "holder2"
    l.spec.renew_time = t + datetime.timedelta(seconds=10)
    api.replace_namespaced_lease(name, ns, l)
    l = api.read_namespaced_lease(name, ns)
    conf.check_eq("holder2", l.spec.holder_identity, "holderIdentity after update")
    conf.step("patch")
    api.patch_namespaced_lease(name, ns, {"spec": {"holderIdentity": "holder3", "leaseDurationSeconds": 60}})
    l = api.read_namespaced_lease(name, ns)
    conf.check_eq(("holder3", 60), (l.spec.holder_identity, l.spec.lease_duration_seconds), "spec after patch")
    conf.step("list all namespaces and deletecollection")
    for i in (1, 2):
        api.create_namespaced_lease(ns, client.V1Lease(
            metadata=client.V1ObjectMeta(name=f"lease{i}", labels={"deletecollection": "true"}),
            spec=client.V1LeaseSpec(holder_identity="h")))
    lst = api.list_lease_for_all_namespaces(label_selector="deletecollection=true")
    conf.check_eq(2, len([x for x in lst.items if x.metadata.namespace == ns]), "leases listed by label")
    api.delete_collection_namespaced_lease(ns, label_selector="deletecollection=true")
    conf.check_eq(0, len(api.list_namespaced_lease(ns, label_selector="deletecollection=true").items),
                  "leases after deletecollection")
    conf.step("delete")
    api.delete_namespaced_lease(name, ns)
    conf.check(conf.gone(api.read_namespaced_lease, name, ns), "lease still readable")


conf.main(test)
