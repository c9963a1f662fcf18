# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] server version should find the server version [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/server_version.go
# GET /version (through the SDK's VersionApi): major and minor are integers (minor may end in '+'),
# gitVersion present.
import re

import conf
from kubernetes import client


def test():
    conf.step("get /version")
    v = client.VersionApi(conf.api_client).get_code()
    conf.check(re.fullmatch(r"[0-9]+", v.major or ""), f"major {v.major!r} is not an integer")
    conf.check(re.fullmatch(r"[0-9]+\+?", v.minor or ""), f"minor {v.minor!r} is not an integer")
    conf.check(v.git_version, "gitVersion is empty")


conf.main(test)
