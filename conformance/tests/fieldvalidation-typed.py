# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] FieldValidation should detect unknown and duplicate fields of a typed object [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/field_validation.go
# fieldValidation=Strict: a Deployment body with an unknown field (spec.foo) and a duplicate field
# (spec.replicas twice, in raw JSON) is refused (422 BadRequest-style), naming both; with
# fieldValidation=Ignore it is accepted.
import conf

BODY = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s"},
"spec":{"foo":"bar","replicas":1,"replicas":2,"selector":{"matchLabels":{"app":"x"}},
"template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"kshim.local/host"}]}}}}"""


def test():
    ns = conf.namespace("fieldval")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    conf.step("create with fieldValidation=Strict")
    code, _, doc = conf.raw("POST", path + "?fieldValidation=Strict", body=BODY % "strict")
    msg = doc.get("message", "") if isinstance(doc, dict) else str(doc)
    conf.check(code in (400, 422), f"expected 400/422, got {code}")
    conf.check('unknown field "spec.foo"' in msg, f"unknown field not named: {msg[:200]}")
    conf.check('duplicate field "spec.replicas"' in msg or 'duplicate field "replicas"' in msg,
               f"duplicate field not named: {msg[:200]}")
    conf.step("create with fieldValidation=Ignore")
    code, _, _ = conf.raw("POST", path + "?fieldValidation=Ignore", body=BODY % "ignore")
    conf.check_eq(201, code, "status with fieldValidation=Ignore")


conf.main(test)
