# SPDX-License-Identifier: Apache-2.0
# codename: [sig-node] Sysctls [LinuxOnly] [NodeConformance] should reject invalid sysctls [MinimumKubeletVersion:1.21] [Conformance]
# class: 1
# upstream: test/e2e/common/node/sysctl.go
# A pod with securityContext.sysctls "foo-", "kernel.shmmax", "safe-and-unsafe", "bar.." is refused on
# create (422); the message names the malformed "foo-" and "bar.." and not the well-formed names.
import conf


def test():
    ns = conf.namespace("sysctl")
    body = conf.pod_manifest("sysctl-invalid")
    body["spec"]["securityContext"] = {"sysctls": [
        {"name": "foo-", "value": "bar"}, {"name": "kernel.shmmax", "value": "100000000"},
        {"name": "safe-and-unsafe", "value": "100000000"}, {"name": "bar..", "value": "42"}]}
    conf.step("create")
    e = conf.expect_status(422, conf.core.create_namespaced_pod, ns, body)
    conf.check('"foo-"' in e.body, "error does not name foo-")
    conf.check('"bar.."' in e.body, "error does not name bar..")
    conf.check("safe-and-unsafe" not in e.body, "error names the valid safe-and-unsafe")
    conf.check("kernel.shmmax" not in e.body, "error names the valid kernel.shmmax")


conf.main(test)
