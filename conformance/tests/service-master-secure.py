# SPDX-License-Identifier: Apache-2.0
# codename: [sig-network] Services should provide secure master service [Conformance]
# class: 1
# upstream: test/e2e/network/service.go
# GET services/kubernetes in namespace default succeeds (the e2e framework also needs it before any test).
import conf


def test():
    conf.step("get default/kubernetes")
    s = conf.core.read_namespaced_service("kubernetes", "default")
    conf.check_eq("kubernetes", s.metadata.name, "name")


conf.main(test)
