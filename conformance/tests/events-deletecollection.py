# SPDX-License-Identifier: Apache-2.0
# codename: [sig-instrumentation] Events should delete a collection of events [Conformance]
# class: 1
# upstream: test/e2e/instrumentation/core_events.go
# Three labelled core/v1 Events; a list by label finds 3; deletecollection by label; a list finds none
# (an unlabelled event in the same namespace stays).
import datetime

import conf
from kubernetes import client


def test():
    ns = conf.namespace("events-dc")
    core = conf.core
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    def ev(name, labels):
        return client.CoreV1Event(metadata=client.V1ObjectMeta(name=name, labels=labels), message="test",
                                  reason="Test", type="Normal", count=1, first_timestamp=now, last_timestamp=now,
                                  involved_object=client.V1ObjectReference(namespace=ns, kind="Pod", name="p"))
    conf.step("create")
    for i in range(3):
        core.create_namespaced_event(ns, ev(f"test-event-{i}", {"testevent-set": "true"}))
    core.create_namespaced_event(ns, ev("other", {}))
    conf.step("list by label")
    conf.check_eq(3, len(core.list_namespaced_event(ns, label_selector="testevent-set=true").items), "events by label")
    conf.step("deletecollection")
    core.delete_collection_namespaced_event(ns, label_selector="testevent-set=true")
    conf.check_eq(0, len(core.list_namespaced_event(ns, label_selector="testevent-set=true").items),
                  "labelled events after deletecollection")
    conf.check_eq(["other"], [e.metadata.name for e in core.list_namespaced_event(ns).items],
                  "events left in the namespace")


conf.main(test)
