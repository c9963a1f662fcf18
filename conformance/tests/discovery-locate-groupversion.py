# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Discovery should locate the groupVersion and a resource within each APIGroup [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/discovery.go
# For every group in /apis and for /api/v1: the APIResourceList of each version has the matching
# groupVersion and at least one resource; the upstream spot checks (v1 configmaps, apps/v1 deployments,
# events.k8s.io/v1 events, coordination.k8s.io/v1 leases) are there.
import conf


def test():
    conf.step("GET /apis")
    _, _, groups = conf.raw("GET", "/apis")
    gvs = ["v1"] + [v["groupVersion"] for g in groups["groups"] for v in g["versions"]]
    found = {}
    for gv in gvs:
        path = "/api/v1" if gv == "v1" else f"/apis/{gv}"
        conf.step(f"GET {path}")
        code, _, rl = conf.raw("GET", path)
        conf.check_eq(200, code, f"GET {path} status")
        conf.check_eq(gv, rl.get("groupVersion"), f"groupVersion of {path}")
        conf.check(rl.get("resources"), f"{path} lists no resources")
        found[gv] = {r["name"] for r in rl["resources"]}
    conf.step("spot checks")
    for gv, res in [("v1", "configmaps"), ("apps/v1", "deployments"), ("events.k8s.io/v1", "events"),
                    ("coordination.k8s.io/v1", "leases"), ("batch/v1", "jobs")]:
        conf.check(res in found.get(gv, set()), f"{res} not found in {gv} discovery")


conf.main(test)
