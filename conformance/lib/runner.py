# SPDX-License-Identifier: Apache-2.0
"""Runs conformance-derived tests or compat cells, each in its own process with a time limit, in parallel;
prints TAP, applies the baseline, writes results as JSON and (optionally) the Markdown reports.

TAP lines (tests/run-all.sh counts `ok` as passed and `not ok` as failed, except `# TODO` lines):
  ok N - NAME                                    passes, in the baseline
  ok N - NAME # TODO newly passing               passes, not in the baseline yet: add it (same commit)
  not ok N - NAME                                in the baseline and fails now: a regression
  not ok N - NAME # TODO known failure: REASON   not in the baseline (feature missing): reported, not fatal
Exit status 1 if there is a regression (or a baseline entry without a test), else 0.

Usage:
  runner.py suite --tests DIR --tsv TSV --baseline FILE [--jobs N] [--results F] [--report F] [--node N] [SLUG...]
  runner.py compat --cases FILE --baseline FILE [--jobs N] [--results F] [--report F]
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
CLASS_NAMES = {"1": "API only", "2": "one node", "3": "networking", "4": "multi-node"}


def read_tsv(path):
    rows = {}
    if not path or not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        next(f, None)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                rows[parts[0]] = {"class": parts[1], "file": parts[3] if len(parts) > 3 else "",
                                  "behaviour": parts[4] if len(parts) > 4 else ""}
    return rows


def read_baseline(path):
    names = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.strip() and not line.startswith("#"):
                    names.append(line)
    return names


def header(path, key):
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^#\s*" + key + r":\s*(.*?)\s*$", line)
            if m:
                return m.group(1)
    return None


def discover(tests_dir, tsv, only):
    cases = []
    for fn in sorted(os.listdir(tests_dir)):
        path = os.path.join(tests_dir, fn)
        slug, ext = os.path.splitext(fn)
        if ext not in (".py", ".sh") or not os.path.isfile(path):
            continue
        if only and slug not in only:
            continue
        name = header(path, "codename") or f"(no codename in {fn})"
        cls = tsv.get(name, {}).get("class") or header(path, "class") or "?"
        cmd = [PY, path] if ext == ".py" else ["bash", path]
        cases.append({"name": name, "slug": slug, "class": cls, "cmd": cmd,
                      "timeout": int(header(path, "timeout") or 60),
                      "in_tsv": name in tsv or not tsv})
    return cases


def run_case(case, env):
    t0 = time.monotonic()
    if not case.get("in_tsv", True):
        return {"status": "fail", "reason": "codename not found in conformance-subset.tsv", "output": "", "secs": 0}
    if case.get("blocked"):
        return {"status": "fail", "reason": case["blocked"], "output": "", "secs": 0}
    p = subprocess.Popen(case["cmd"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env, start_new_session=True, text=True, errors="replace")
    try:
        out, _ = p.communicate(timeout=case["timeout"])
        timed_out = False
    except subprocess.TimeoutExpired:
        # our own child's process group (start_new_session): nothing else is in it
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        timed_out = True
    secs = time.monotonic() - t0
    reason = ""
    if timed_out:
        status = "fail"
        reason = f"timed out after {case['timeout']}s"
        last = [ln for ln in out.splitlines() if ln.startswith("# step:")]
        if last:
            reason += f" (in {last[-1][8:].strip()})"
    elif p.returncode == 0:
        status = "pass"
    else:
        status = "fail"
        m = [ln[6:] for ln in out.splitlines() if ln.startswith("FAIL: ")]
        lines = [ln for ln in out.splitlines() if ln.strip()]
        reason = m[0] if m else (lines[-1] if lines else f"exit status {p.returncode}")
    return {"status": status, "reason": reason.strip()[:300], "output": out, "secs": round(secs, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["suite", "compat"])
    ap.add_argument("--tests")
    ap.add_argument("--tsv")
    ap.add_argument("--cases")
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--results")
    ap.add_argument("--report")
    ap.add_argument("--node", default="")
    ap.add_argument("--node-error", default="")
    ap.add_argument("only", nargs="*")
    a = ap.parse_intermixed_args()

    tsv = read_tsv(a.tsv)
    if a.mode == "suite":
        cases = discover(a.tests, tsv, set(a.only))
        for c in cases:
            if c["class"] != "1" and not a.node:
                c["blocked"] = "lab: no node (" + (a.node_error or "not started") + ")"
    else:
        cases = []
        with open(a.cases, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                client, scenario, timeout, cmd = line.rstrip("\n").split("\t", 3)
                cases.append({"name": f"{client}: {scenario}", "client": client, "scenario": scenario,
                              "timeout": int(timeout), "cmd": ["bash", "-c", cmd]})
    baseline = read_baseline(a.baseline)
    bset = set(baseline)
    env = dict(os.environ)
    env["KSHIM_CONF_NODE"] = a.node
    env["PYTHONPATH"] = HERE + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    results = []
    n = 0
    regressions = []
    new_passes = []
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = [ex.submit(run_case, c, env) for c in cases]
        for c, fut in zip(cases, futs):
            r = fut.result()
            n += 1
            r.update({k: v for k, v in c.items() if k not in ("cmd",)})
            r["baseline"] = c["name"] in bset
            results.append(r)
            label = c["name"] if a.mode == "compat" else f"{c['name']} [{c['slug']}]"
            if r["status"] == "pass":
                if r["baseline"]:
                    print(f"ok {n} - {label}")
                else:
                    print(f"ok {n} - {label} # TODO newly passing: add it to {os.path.relpath(a.baseline)}")
                    new_passes.append(c["name"])
            else:
                if r["baseline"]:
                    print(f"not ok {n} - {label}")
                    regressions.append(c["name"])
                else:
                    print(f"not ok {n} - {label} # TODO known failure: {r['reason']}")
                if r["baseline"] or os.environ.get("CONF_VERBOSE"):
                    for ln in r["output"].splitlines()[-40:]:
                        print(f"#   {ln}")
            if r["secs"] >= 10:
                print(f"#   ({r['secs']} s)")
            sys.stdout.flush()
    names = {c["name"] for c in cases}
    if not a.only:
        for b in baseline:
            if b not in names:
                n += 1
                print(f"not ok {n} - {b} # baseline entry without a test or cell")
                regressions.append(b)
    print(f"1..{n}")
    passing = sum(1 for r in results if r["status"] == "pass")
    what = "conformance" if a.mode == "suite" else "compat"
    print(f"# {what}: {len(results)} run in {time.monotonic() - t0:.0f} s; {len(regressions)} regression(s), "
          f"{len(new_passes)} newly passing")
    for x in new_passes:
        print(f"# newly passing (add to {os.path.relpath(a.baseline)}): {x}")
    for x in regressions:
        print(f"# REGRESSION (in the baseline, fails now): {x}")
    print(f"{what}: {passing} of {len(results)} passing")

    if a.results:
        with open(a.results, "w", encoding="utf-8") as f:
            json.dump([{k: v for k, v in r.items() if k != "output"} for r in results], f, indent=1)
    if a.report:
        text = report_suite(results, tsv) if a.mode == "suite" else report_compat(results)
        with open(a.report, "w", encoding="utf-8") as f:
            f.write(text)
    return 1 if regressions else 0


def _md(s):
    return s.replace("|", "\\|").replace("\n", " ")


def _stamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def report_suite(results, tsv):
    out = ["<!-- GENERATED by conformance/run --update-docs; do not edit by hand. -->", "",
           "# Conformance-derived results", "",
           f"Generated {_stamp()} by `conformance/run --update-docs` against a fresh lab (one API server, one "
           "private systemd node with the agent). Each test is kshim's own black-box re-implementation of the "
           "upstream Kubernetes v1.32 conformance test of the same name (python3-kubernetes, kubectl); this is "
           "\"N of M conformance-derived behaviours pass\", never a claim of conformance. How to run the real "
           "upstream suite: [CONFORMANCE-RECIPE.md](CONFORMANCE-RECIPE.md). Test list and classes: "
           "`shared/conformance/conformance-subset.tsv`; tests: `conformance/tests/`; passing set: "
           "`conformance/baseline.txt` (a baseline test that fails is a CI failure).", "",
           "| class | what it needs | in the upstream list (M) | implemented here | passing (N) |",
           "|---|---|---|---|---|"]
    tot_m = tot_i = tot_p = 0
    for cls in ["1", "2", "3", "4"]:
        m = sum(1 for v in tsv.values() if v["class"] == cls)
        impl = [r for r in results if r["class"] == cls]
        p = sum(1 for r in impl if r["status"] == "pass")
        tot_m += m
        tot_i += len(impl)
        tot_p += p
        out.append(f"| {cls} | {CLASS_NAMES[cls]} | {m} | {len(impl)} | {p} of {m} ({p} of {len(impl)} implemented) |")
    out.append(f"| all | | {tot_m} | {tot_i} | {tot_p} of {tot_m} |")
    out += ["", "Tests not implemented yet count as not passing.", "",
            "| result | class | test (upstream codename) | file | reason (first line) |", "|---|---|---|---|---|"]
    for r in sorted(results, key=lambda r: (r["class"], r["name"])):
        res = "pass" if r["status"] == "pass" else "**fail**"
        out.append(f"| {res} | {r['class']} | {_md(r['name'])} | `{r['slug']}` | {_md(r['reason'])} |")
    out.append("")
    return "\n".join(out)


def report_compat(results):
    clients = []
    scenarios = []
    for r in results:
        if r["client"] not in clients:
            clients.append(r["client"])
        if r["scenario"] not in scenarios:
            scenarios.append(r["scenario"])
    cell = {(r["client"], r["scenario"]): r for r in results}
    out = ["<!-- GENERATED by conformance/compat --update-docs; do not edit by hand. -->", "",
           "# Client compatibility", "",
           f"Generated {_stamp()} by `conformance/compat --update-docs` against one lab (API server + one node). "
           "Each cell is one scenario run by one real client binary or SDK against kshim on 127.0.0.1 "
           "(`conformance/lib/compat-kubectl.sh`, `conformance/lib/compat-sdk.py`); the passing set is "
           "`conformance/compat-baseline.txt` (a baseline cell that fails is a CI failure). "
           "`-` = scenario does not apply to that client. @kubernetes/client-node (npm) is not covered yet; "
           "it comes later.", ""]
    passing = sum(1 for r in results if r["status"] == "pass")
    out.append(f"**{passing} of {len(results)} cells pass.**")
    out.append("")
    for c in clients:
        cs = [r for r in results if r["client"] == c]
        out.append(f"- {c}: {sum(1 for r in cs if r['status'] == 'pass')} of {len(cs)}")
    out += ["", "| scenario | " + " | ".join(clients) + " |", "|---|" + "---|" * len(clients)]
    for s in scenarios:
        row = []
        for c in clients:
            r = cell.get((c, s))
            row.append("-" if r is None else ("pass" if r["status"] == "pass" else "**fail**"))
        out.append(f"| {s} | " + " | ".join(row) + " |")
    fails = [r for r in results if r["status"] != "pass"]
    if fails:
        out += ["", "## Failures (first line of the reason)", ""]
        for r in fails:
            out.append(f"- {r['client']} / {r['scenario']}: {_md(r['reason'])}")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
