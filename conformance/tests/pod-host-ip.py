# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Pods should get a host IP [NodeConformance] [Conformance]
# class: 2
# upstream: test/e2e/common/node/pods.go
# A running pod has status.hostIP set to a valid IP address .
import ipaddress

import conf


def test():
    conf.need_node()
    ns = conf.namespace("pods-hostip")
    conf.step("create")
    conf.core.create_namespaced_pod(ns, conf.pod_manifest("pod-hostip"))
    conf.step("running")
    p = conf.wait_running(ns, "pod-hostip")
    conf.step("hostIP")
    p = conf.wait_for(lambda: (lambda q: q if q.status.host_ip else None)(conf.core.read_namespaced_pod("pod-hostip", ns)),
                      10, "status.hostIP")
    try:
        ipaddress.ip_address(p.status.host_ip)
    except ValueError:
        conf.fail(f"status.hostIP {p.status.host_ip!r} is not an IP address")


conf.main(test)
