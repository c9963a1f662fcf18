# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Namespaces [Serial] should apply changes to a namespace status [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/namespace.go
# namespaces/<ns>/status: read (phase Active), patch a condition in (StatusPatched), update another
# condition (StatusUpdate); both visible on read.
import conf
from kubernetes import client


def test():
    ns = conf.namespace("nsstatus")
    core = conf.core
    conf.step("read status")
    st = core.read_namespace_status(ns)
    conf.check_eq("Active", st.status.phase, "status.phase")
    conf.step("patch status")
    core.patch_namespace_status(ns, {"status": {"conditions": [
        {"type": "StatusPatch", "status": "True", "reason": "E2E", "message": "Patched by an e2e test"}]}})
    st = core.read_namespace_status(ns)
    conds = {c.type: c for c in (st.status.conditions or [])}
    conf.check("StatusPatch" in conds, f"patched condition missing: {sorted(conds)}")
    conf.check_eq("E2E", conds["StatusPatch"].reason, "patched condition reason")
    conf.step("update status")
    st.status.conditions = (st.status.conditions or []) + [client.V1NamespaceCondition(
        type="StatusUpdate", status="True", reason="E2E", message="Updated by an e2e test")]
    core.replace_namespace_status(ns, st)
    conds = {c.type for c in (core.read_namespace_status(ns).status.conditions or [])}
    conf.check({"StatusPatch", "StatusUpdate"} <= conds, f"conditions after update: {sorted(conds)}")


conf.main(test)
