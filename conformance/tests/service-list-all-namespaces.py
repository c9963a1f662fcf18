# SPDX-License-Identifier: Apache-2.0
# codename: [sig-network] Services should find a service from listing all namespaces [Conformance]
# class: 1
# upstream: test/e2e/network/service.go
# A list of Services in all namespaces contains default/kubernetes (the API server's own Service).
import conf


def test():
    conf.step("list services in all namespaces")
    lst = conf.core.list_service_for_all_namespaces()
    names = [f"{s.metadata.namespace}/{s.metadata.name}" for s in lst.items]
    conf.check("default/kubernetes" in names, f"default/kubernetes not among {len(names)} services")


conf.main(test)
