# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]
# class: 2
# upstream: test/e2e/common/node/pods.go
# A label-selected watch sees the pod ADDED; the pod runs; a graceful delete (30 s grace) makes the
# server set deletionTimestamp and deletionGracePeriodSeconds, the node stops it, the watch sees the
# DELETED event, and a list by label is empty.
import time

import conf


def test():
    conf.need_node()
    ns = conf.namespace("pods-submit")
    core = conf.core
    name = f"pod-submit-remove-{conf.rand()}"
    sel = f"time={int(time.time() * 1e6)}"
    conf.step("watch and create")
    rv = core.list_namespaced_pod(ns, label_selector=sel).metadata.resource_version
    w = conf.start_watch(core.list_namespaced_pod, ns, label_selector=sel, resource_version=rv, timeout=60)
    body = conf.pod_manifest(name, labels={"name": "foo", "time": sel.split("=")[1]})
    body["spec"]["terminationGracePeriodSeconds"] = 30
    core.create_namespaced_pod(ns, body)
    conf.check_eq("ADDED", (w(count=1, wait=10) or [("none",)])[0][0], "first watch event")
    conf.step("running")
    conf.wait_running(ns, name)
    conf.step("graceful delete")
    core.delete_namespaced_pod(name, ns, grace_period_seconds=30)
    ev = w(until=lambda e: any(t == "DELETED" for t, _ in e), wait=40)
    graceful = [o for t, o in ev if t == "MODIFIED" and o.metadata.deletion_timestamp]
    conf.check(graceful, "no MODIFIED event with deletionTimestamp before the deletion")
    conf.check(graceful[0].metadata.deletion_grace_period_seconds is not None,
               "deletionGracePeriodSeconds not set")
    conf.check_eq("DELETED", ev[-1][0], "last watch event")
    conf.check_eq(0, len(core.list_namespaced_pod(ns, label_selector=sel).items), "pods left")


conf.main(test)
