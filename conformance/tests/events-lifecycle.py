# SPDX-License-Identifier: Apache-2.0
# codename: [sig-instrumentation] Events should manage the lifecycle of an event [Conformance]
# class: 1
# upstream: test/e2e/instrumentation/core_events.go
# core/v1 Event: create (labelled), list in all namespaces by label, patch the message, get it, update
# it, delete it, and it is gone from the list.
import datetime

import conf
from kubernetes import client


def test():
    ns = conf.namespace("events")
    core = conf.core
    name = "event-test"
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    conf.step("create")
    core.create_namespaced_event(ns, client.CoreV1Event(
        metadata=client.V1ObjectMeta(name=name, labels={"testevent-constant": "true"}),
        message="This is a test event", reason="Test", type="Normal", count=1,
        first_timestamp=now, last_timestamp=now,
        involved_object=client.V1ObjectReference(namespace=ns, kind="Pod", name="fake-pod"),
        source=client.V1EventSource(component="conformance")))
    conf.step("list all namespaces by label")
    lst = core.list_event_for_all_namespaces(label_selector="testevent-constant=true")
    conf.check([e for e in lst.items if e.metadata.namespace == ns and e.metadata.name == name], "event not listed")
    conf.step("patch")
    core.patch_namespaced_event(name, ns, {"message": "This is a test event - patched"})
    ev = core.read_namespaced_event(name, ns)
    conf.check_eq("This is a test event - patched", ev.message, "message after patch")
    conf.step("update")
    ev.series = None
    ev.message = "This is a test event - updated"
    core.replace_namespaced_event(name, ns, ev)
    conf.check_eq("This is a test event - updated", core.read_namespaced_event(name, ns).message, "message after update")
    conf.step("delete")
    core.delete_namespaced_event(name, ns)
    lst = core.list_namespaced_event(ns, label_selector="testevent-constant=true")
    conf.check_eq([], [e.metadata.name for e in lst.items], "events left after delete")


conf.main(test)
