# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] AggregatedDiscovery should support aggregated discovery interface [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/aggregated_discovery.go
# The aggregated /api and /apis documents list every built-in group-version that the legacy documents
# list, with the same resources (upstream compares them with the legacy discovery of the same server).
import conf

ACCEPT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def test():
    conf.step("aggregated /api and /apis")
    agg = {}
    for path in ("/api", "/apis"):
        code, _, doc = conf.raw("GET", path, headers={"Accept": ACCEPT})
        conf.check_eq(200, code, f"{path} status")
        for g in doc.get("items", []):
            for v in g.get("versions", []):
                gv = v["version"] if path == "/api" else f"{g['metadata']['name']}/{v['version']}"
                agg[gv] = {r["resource"] for r in v.get("resources", [])}
    conf.step("compare with legacy discovery")
    _, _, groups = conf.raw("GET", "/apis")
    gvs = ["v1"] + [v["groupVersion"] for g in groups["groups"] for v in g["versions"]]
    for gv in gvs:
        conf.check(gv in agg, f"{gv} missing from the aggregated document")
        path = "/api/v1" if gv == "v1" else f"/apis/{gv}"
        _, _, rl = conf.raw("GET", path)
        legacy = {r["name"] for r in rl.get("resources", []) if "/" not in r["name"]}
        conf.check(legacy <= agg[gv], f"{gv}: aggregated lacks {sorted(legacy - agg[gv])}")
    for gv, res in [("v1", "pods"), ("v1", "configmaps"), ("apps/v1", "deployments")]:
        conf.check(res in agg.get(gv, set()), f"{gv} {res} missing from the aggregated document")


conf.main(test)
