# SPDX-License-Identifier: Apache-2.0
# codename: [sig-auth] ServiceAccounts should update a ServiceAccount [Conformance]
# class: 1
# upstream: test/e2e/auth/service_accounts.go
# Create a ServiceAccount, update automountServiceAccountToken to true (PUT), read it back.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("sa-update")
    core = conf.core
    name = "e2e-sa-update"
    conf.step("create")
    core.create_namespaced_service_account(ns, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=name)))
    conf.step("update")
    sa = core.read_namespaced_service_account(name, ns)
    sa.automount_service_account_token = True
    core.replace_namespaced_service_account(name, ns, sa)
    conf.check_eq(True, core.read_namespaced_service_account(name, ns).automount_service_account_token,
                  "automountServiceAccountToken after update")


conf.main(test)
