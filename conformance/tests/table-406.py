# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Servers with support for Table transformation should return a 406 for a backend which does not implement metadata [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/table_conversion.go
# A request for a Table (Accept application/json;as=Table;v=v1;g=meta.k8s.io) to a resource whose objects
# have no metadata (a SelfSubjectAccessReview POST, as upstream does) answers 406 NotAcceptable. A
# normal resource (configmaps) still answers a Table.
import conf

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def test():
    ns = conf.namespace("table")
    conf.step("Table list of configmaps")
    code, _, doc = conf.raw("GET", f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": TABLE})
    conf.check_eq(200, code, "configmaps Table status")
    conf.check_eq("Table", doc.get("kind") if isinstance(doc, dict) else doc, "kind of the Table answer")
    conf.step("Table for selfsubjectaccessreviews")
    sar = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
           "spec": {"resourceAttributes": {"resource": "pods", "verb": "list", "namespace": ns}}}
    code, _, doc = conf.raw("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=sar,
                            headers={"Accept": TABLE})
    msg = doc.get("message", "") if isinstance(doc, dict) else str(doc)[:100]
    conf.check_eq(406, code, f"status of the Table request ({msg})")


conf.main(test)
