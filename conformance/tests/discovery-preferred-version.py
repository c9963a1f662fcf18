# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Discovery should validate PreferredVersion for each APIGroup [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/discovery.go
# GET /apis: every group's preferredVersion is one of its versions; GET /apis/<group> agrees.
import conf


def test():
    conf.step("GET /apis")
    code, _, groups = conf.raw("GET", "/apis")
    conf.check_eq(200, code, "GET /apis status")
    conf.check_eq("APIGroupList", groups.get("kind"), "kind of /apis")
    conf.check(groups.get("groups"), "/apis lists no groups")
    for g in groups["groups"]:
        pv = g.get("preferredVersion", {}).get("groupVersion")
        conf.check(pv, f"group {g['name']} has no preferredVersion")
        conf.check(pv in [v["groupVersion"] for v in g["versions"]],
                   f"group {g['name']}: preferredVersion {pv} not among its versions")
        conf.step(f"GET /apis/{g['name']}")
        code, _, one = conf.raw("GET", f"/apis/{g['name']}")
        conf.check_eq(200, code, f"GET /apis/{g['name']} status")
        conf.check_eq(pv, one.get("preferredVersion", {}).get("groupVersion"), f"preferredVersion of {g['name']}")


conf.main(test)
