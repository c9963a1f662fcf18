# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Watchers should receive events on concurrent watches in same order [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/watch.go
# While a writer creates, updates and deletes ConfigMaps, watches started at different resourceVersions
# (taken from successive events) all see the same events in the same order from their start on.
import threading
import time

import conf
from kubernetes import client


def test():
    ns = conf.namespace("watch-order")
    core = conf.core
    n_events = 60
    conf.step("first watch")
    w0 = conf.start_watch(core.list_namespaced_config_map, ns, timeout=40)
    rv0 = core.list_namespaced_config_map(ns).metadata.resource_version
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set() and i < 200:
            name = f"cm-{i % 5}"
            try:
                core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name)))
            except Exception:  # noqa: BLE001 (exists: update or delete instead)
                try:
                    if i % 3:
                        core.patch_namespaced_config_map(name, ns, {"data": {"i": str(i)}})
                    else:
                        core.delete_namespaced_config_map(name, ns)
                except Exception:  # noqa: BLE001
                    pass
            i += 1
            time.sleep(0.01)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    conf.step("watches from successive resourceVersions")
    watches = [(rv0, conf.start_watch(core.list_namespaced_config_map, ns, resource_version=rv0, timeout=40))]
    ev0 = w0(count=5, wait=10)
    for _, o in ev0[:5]:
        rv = o.metadata.resource_version
        watches.append((rv, conf.start_watch(core.list_namespaced_config_map, ns, resource_version=rv, timeout=40)))
    t.join(30)
    stop.set()
    conf.step("compare orders")
    ref = [(e[0], e[1].metadata.name, e[1].metadata.resource_version)
           for e in watches[0][1](count=n_events, wait=15)]
    conf.check(len(ref) >= 20, f"only {len(ref)} events on the reference watch")
    for rv, w in watches[1:]:
        got = [(e[0], e[1].metadata.name, e[1].metadata.resource_version) for e in w(count=n_events, wait=10)]
        start = [i for i, e in enumerate(ref) if e[2] == rv]
        conf.check(start, f"rv {rv} not among the reference events")
        exp = ref[start[0] + 1:]
        k = min(len(exp), len(got))
        conf.check(k >= 10, f"watch from rv {rv}: only {len(got)} events")
        conf.check_eq(exp[:k], got[:k], f"event order of the watch started at rv {rv}")


conf.main(test)
