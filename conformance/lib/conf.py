# SPDX-License-Identifier: Apache-2.0
"""Helpers for kshim's conformance-derived tests (python3-kubernetes, black-box).

A test file is a script: it imports this module, defines test(), and ends with `conf.main(test)`.
The runner passes KUBECONFIG, KSHIM_SERVER and (for class 2) KSHIM_CONF_NODE in the environment.

- fail("...") / check(cond, "...") raise AssertionError; main() prints `FAIL: <first line>` (the
  reason the reports show) and exits 1. An ApiException is turned into "step: HTTP 404 Not Found: msg".
- step("what") names the current step, so a reason says where it failed.
- namespace() creates a fresh namespace, deleted (without waiting) when the test ends.
- raw(method, path, body, headers) for requests where the exact wire matters (plain urllib).
- watch_events(fn, ..., until=pred, timeout=s) collects events through the SDK's watch.Watch.
"""
import contextlib
import json
import os
import random
import string
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

SERVER = os.environ.get("KSHIM_SERVER", "")
NODE = os.environ.get("KSHIM_CONF_NODE", "")
IMAGE = "kshim.local/host"  # the host's root fs: our stand-in for upstream's agnhost/pause/busybox
KUBECTL = os.environ.get("KUBECTL", "kubectl")

config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))
api_client = client.ApiClient()
core = client.CoreV1Api(api_client)
coord = client.CoordinationV1Api(api_client)
events_v1 = client.EventsV1Api(api_client)
apps = client.AppsV1Api(api_client)

_cleanups = []
_step = ["setup"]


class Failure(AssertionError):
    pass


def fail(msg):
    raise Failure(msg)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def check_eq(expected, actual, what):
    if expected != actual:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


def step(name):
    _step[0] = name
    print(f"# step: {name}", flush=True)


def rand(n=5):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def namespace(prefix="conf"):
    name = f"{prefix[:40]}-{rand()}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    _cleanups.append(lambda: core.delete_namespace(name))
    return name


def on_cleanup(fn):
    _cleanups.append(fn)


def expect_status(code, fn, *args, **kwargs):
    """Call fn, which must fail with HTTP `code`; returns the ApiException."""
    try:
        fn(*args, **kwargs)
    except ApiException as e:
        if e.status != code:
            fail(f"expected HTTP {code}, got HTTP {e.status} {e.reason}: {_msg(e)}")
        return e
    fail(f"expected HTTP {code}, but the request succeeded")


def gone(fn, *args, **kwargs):
    """True if fn(...) answers 404."""
    try:
        fn(*args, **kwargs)
    except ApiException as e:
        if e.status == 404:
            return True
        raise
    return False


def wait_for(pred, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except ApiException as e:
            last = f"HTTP {e.status} {e.reason}: {_msg(e)}"
        if time.monotonic() > deadline:
            fail(f"timed out after {timeout}s waiting for {what}" + (f" (last error {last})" if last else ""))
        time.sleep(interval)


def raw(method, path, body=None, headers=None, timeout=30):
    """Plain HTTP request; returns (status, headers dict (lower-case names), parsed JSON or text)."""
    data = None
    h = {"Accept": "application/json"}
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    req = urllib.request.Request(SERVER + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, hdrs, text = r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read().decode("utf-8", "replace")
    hdrs = {k.lower(): v for k, v in hdrs.items()}
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    return status, hdrs, parsed


def watch_events(fn, *args, until=None, count=None, timeout=10, **kwargs):
    """Watch through the SDK (watch.Watch().stream) and return the list of (type, object) events seen
    until until(events) is true, `count` events arrived, or `timeout` seconds passed."""
    events = []
    w = watch.Watch()
    done = threading.Event()
    err = []

    def run():
        try:
            for ev in w.stream(fn, *args, timeout_seconds=max(1, int(timeout)), _request_timeout=timeout + 5, **kwargs):
                events.append((ev["type"], ev["object"]))
                if (count is not None and len(events) >= count) or (until is not None and until(events)):
                    break
        except Exception as e:  # noqa: BLE001 (reported to the caller)
            err.append(e)
        finally:
            done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    done.wait(timeout + 6)
    w.stop()
    if err:
        raise err[0]
    return events


def start_watch(fn, *args, timeout=15, **kwargs):
    """Start a watch in the background now; returns a function that waits for until/count and returns events."""
    events = []
    w = watch.Watch()
    cond = threading.Condition()
    state = {"done": False, "err": None}

    def run():
        try:
            for ev in w.stream(fn, *args, timeout_seconds=int(timeout), _request_timeout=timeout + 5, **kwargs):
                with cond:
                    events.append((ev["type"], ev["object"]))
                    cond.notify_all()
        except Exception as e:  # noqa: BLE001
            state["err"] = e
        finally:
            with cond:
                state["done"] = True
                cond.notify_all()

    threading.Thread(target=run, daemon=True).start()

    def result(until=None, count=None, wait=timeout):
        deadline = time.monotonic() + wait
        with cond:
            while True:
                if (count is not None and len(events) >= count) or (until is not None and until(events)):
                    break
                if state["done"] or time.monotonic() > deadline:
                    break
                cond.wait(0.1)
        if state["err"] is not None:
            raise state["err"]
        return list(events)

    result.stop = w.stop
    return result


def kubectl(*args, check_rc=True, input=None, timeout=30, binary=None):
    p = subprocess.run([binary or KUBECTL, *args], capture_output=True, text=True, input=input, timeout=timeout)
    if check_rc and p.returncode != 0:
        fail(f"kubectl {' '.join(args)} exited {p.returncode}: {(p.stderr or p.stdout).strip().splitlines()[-1:] }")
    return p


def pod_manifest(name, command=("sleep", "3600"), labels=None, **spec):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "containers": [{"name": "main", "image": IMAGE, "command": list(command)}],
            "terminationGracePeriodSeconds": 5,
            **spec,
        },
    }


def need_node():
    if not NODE:
        fail("no node in this lab (the runner could not start one)")


def wait_running(ns, name, timeout=30):
    return wait_for(lambda: (lambda p: p if p.status.phase == "Running" else None)(core.read_namespaced_pod(name, ns)),
                    timeout, f"pod {ns}/{name} to be Running")


def _msg(e):
    try:
        return json.loads(e.body).get("message", "")
    except (ValueError, TypeError, AttributeError):
        return (e.body or "").strip()[:200] if isinstance(e.body, str) else ""


def main(test):
    rc = 0
    try:
        test()
    except ApiException as e:
        print(f"FAIL: {_step[0]}: HTTP {e.status} {e.reason}: {_msg(e)}", flush=True)
        traceback.print_exc(file=sys.stdout)
        rc = 1
    except Failure as e:
        print(f"FAIL: {_step[0]}: {e}", flush=True)
        traceback.print_exc(file=sys.stdout)
        rc = 1
    except Exception as e:  # noqa: BLE001
        print(f"FAIL: {_step[0]}: {type(e).__name__}: {e}", flush=True)
        traceback.print_exc(file=sys.stdout)
        rc = 1
    for c in reversed(_cleanups):
        with contextlib.suppress(Exception):
            c()
    sys.stdout.flush()
    os._exit(rc)  # watch threads may still be blocked in a read
