# SPDX-License-Identifier: Apache-2.0
# codename: [sig-instrumentation] Events API should ensure that an event can be fetched, patched, deleted, and listed [Conformance]
# class: 1
# upstream: test/e2e/instrumentation/events.go
# events.k8s.io/v1 Event: create, list in all namespaces by label, get, patch the note, update the
# series, get, delete, and the list is empty.
import datetime

import conf
from kubernetes import client


def test():
    ns = conf.namespace("eventsapi")
    api = conf.events_v1
    name = "event-test"
    now = datetime.datetime.now(datetime.timezone.utc)
    conf.step("create")
    api.create_namespaced_event(ns, client.EventsV1Event(
        metadata=client.V1ObjectMeta(name=name, labels={"testevent-constant": "true"}),
        event_time=now, note="This is a test event", action="Do", reason="Test", type="Normal",
        reporting_controller="test-controller", reporting_instance="test-node",
        regarding=client.V1ObjectReference(namespace=ns, kind="Pod", name="fake-pod")))
    conf.step("list all namespaces")
    lst = api.list_event_for_all_namespaces(label_selector="testevent-constant=true")
    conf.check([e for e in lst.items if e.metadata.namespace == ns], "event not listed")
    conf.step("get")
    ev = api.read_namespaced_event(name, ns)
    conf.check_eq("This is a test event", ev.note, "note")
    conf.step("patch note")
    api.patch_namespaced_event(name, ns, {"note": "This is a test event - patched"})
    ev = api.read_namespaced_event(name, ns)
    conf.check_eq("This is a test event - patched", ev.note, "note after patch")
    conf.step("update series")
    ev.series = client.EventsV1EventSeries(count=100, last_observed_time=now)
    api.replace_namespaced_event(name, ns, ev)
    ev = api.read_namespaced_event(name, ns)
    conf.check(ev.series is not None and ev.series.count == 100, f"series after update: {ev.series}")
    conf.step("delete")
    api.delete_namespaced_event(name, ns)
    conf.check_eq(0, len(api.list_namespaced_event(ns, label_selector="testevent-constant=true").items),
                  "events after delete")


conf.main(test)
