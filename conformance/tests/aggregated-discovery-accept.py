# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery endpoint Accept headers [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/aggregated_discovery.go
# Raw GET /api and /apis with the aggregated-discovery Accept headers (v2 and v2beta1) answer the
# APIGroupDiscoveryList document with a Content-Type naming the same version; a plain JSON Accept
# gets the legacy APIVersions/APIGroupList.
import conf

ACCEPT = "application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList,application/json"


def test():
    for path in ("/api", "/apis"):
        for v in ("v2", "v2beta1"):
            conf.step(f"GET {path} aggregated {v}")
            code, hdrs, doc = conf.raw("GET", path, headers={"Accept": ACCEPT.format(v=v)})
            conf.check_eq(200, code, f"{path} status")
            ct = hdrs.get("content-type", "")
            conf.check("as=APIGroupDiscoveryList" in ct and f"v={v}" in ct,
                       f"{path} {v}: Content-Type {ct!r} does not name APIGroupDiscoveryList {v}")
            conf.check(isinstance(doc, dict) and doc.get("kind") == "APIGroupDiscoveryList",
                       f"{path} {v}: kind {doc.get('kind') if isinstance(doc, dict) else doc!r}")
            conf.check_eq(f"apidiscovery.k8s.io/{v}", doc.get("apiVersion"), f"{path} apiVersion")
            conf.check(doc.get("items"), f"{path} {v}: no items")
        conf.step(f"GET {path} legacy")
        code, _, doc = conf.raw("GET", path)
        conf.check_eq(200, code, f"{path} legacy status")
        conf.check_eq("APIVersions" if path == "/api" else "APIGroupList", doc.get("kind"), f"{path} legacy kind")


conf.main(test)
