# SPDX-License-Identifier: Apache-2.0
# codename: [sig-api-machinery] Servers with support for API chunking should return chunks of results for list calls [Conformance]
# class: 1
# upstream: test/e2e/apimachinery/chunking.go
# 400 PodTemplates; paging with a limit: every page but the last is exactly `limit` long, each carries a
# continue token and remainingItemCount == items left, all pages share the first page's resourceVersion,
# and together they hold all 400 exactly once.
import concurrent.futures
import random

import conf
from kubernetes import client

TOTAL = 400


def test():
    ns = conf.namespace("chunking")
    core = conf.core
    conf.step("create 400 podtemplates")
    tmpl = client.V1PodTemplateSpec(spec=client.V1PodSpec(containers=[client.V1Container(name="test", image=conf.IMAGE)]))

    def mk(i):
        core.create_namespaced_pod_template(ns, client.V1PodTemplate(
            metadata=client.V1ObjectMeta(name=f"template-{i:04d}"), template=tmpl))

    mk(0)  # one first: a missing resource fails here with a readable reason
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(mk, range(1, TOTAL)))
    limit = random.randint(1, TOTAL // 10)
    conf.step(f"page with limit {limit}")
    seen, cont, rv, left = [], None, None, TOTAL
    while True:
        lst = core.list_namespaced_pod_template(ns, limit=limit, _continue=cont)
        n = len(lst.items)
        conf.check(n <= limit, f"page of {n} items > limit {limit}")
        if rv is None:
            rv = lst.metadata.resource_version
        conf.check_eq(rv, lst.metadata.resource_version, "resourceVersion of a later page")
        seen += [p.metadata.name for p in lst.items]
        left -= n
        cont = lst.metadata._continue
        if not cont:
            conf.check_eq(0, left, "items left when the continue token ended")
            conf.check(lst.metadata.remaining_item_count in (None, 0), "remainingItemCount on the last page")
            break
        conf.check_eq(limit, n, "size of a page that has a continue token")
        conf.check_eq(left, lst.metadata.remaining_item_count, "remainingItemCount")
    conf.check_eq(TOTAL, len(seen), "items over all pages")
    conf.check_eq(TOTAL, len(set(seen)), "distinct items over all pages")


conf.main(test)
