# SPDX-License-Identifier: Apache-2.0
# codename: [sig-instrumentation] Events API should delete a collection of events [Conformance]
# class: 1
# upstream: test/e2e/instrumentation/events.go
# Three labelled events.k8s.io/v1 Events; listed by label (3); deletecollection by label; none left.
import datetime

import conf
from kubernetes import client


def test():
    ns = conf.namespace("eventsapi-dc")
    api = conf.events_v1
    now = datetime.datetime.now(datetime.timezone.utc)
    conf.step("create")
    for i in range(3):
        api.create_namespaced_event(ns, client.EventsV1Event(
            metadata=client.V1ObjectMeta(name=f"test-event-{i}", labels={"testevent-set": "true"}),
            event_time=now, note="test", action="Do", reason="Test", type="Normal",
            reporting_controller="test-controller", reporting_instance="test-node",
            regarding=client.V1ObjectReference(namespace=ns, kind="Pod", name="fake-pod")))
    conf.step("list")
    conf.check_eq(3, len(api.list_namespaced_event(ns, label_selector="testevent-set=true").items), "events listed")
    conf.step("deletecollection")
    api.delete_collection_namespaced_event(ns, label_selector="testevent-set=true")
    conf.check_eq(0, len(api.list_namespaced_event(ns, label_selector="testevent-set=true").items),
                  "events after deletecollection")


conf.main(test)
