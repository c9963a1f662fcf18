# SPDX-License-Identifier: Apache-2.0
"""fault-proxy.py LISTEN_PORT UPSTREAM_URL MODE: an HTTP proxy in front of kshim that breaks one feature.

Used by conformance/prove-can-fail to show that each test of the baseline fails against a server
lacking the behaviour it asserts. Modes:
  none                 pass everything through
  no-label-selector    drop labelSelector from every request (lists and watches ignore selectors)
  no-field-selector    drop fieldSelector
  watch-ignores-rv     drop resourceVersion from watch requests (watch starts "now")
  drop-modified        remove MODIFIED events from watch streams
  drop-deleted         remove DELETED events from watch streams
  patch-noop           PATCH is answered like a GET (nothing changes)
  put-noop             PUT is answered like a GET
  delete-noop          DELETE is answered like a GET (nothing is deleted)
  no-continue          list answers lose metadata.continue and remainingItemCount (no paging)
  version-garbage      /version answers minor "x", without gitVersion and platform
  pod-status-strip     objects lose status.hostIP, status.hostIPs and status.qosClass
  discovery-drop-group /apis and /api/... discovery lose the last group / a resource
  status-noop          writes to .../status subresources are answered like a GET
  no-deletion-timestamp  objects lose metadata.deletionTimestamp in answers and watch events
"""
import http.client
import http.server
import json
import socketserver
import sys
import urllib.parse

PORT, UPSTREAM, MODE = int(sys.argv[1]), urllib.parse.urlparse(sys.argv[2]), sys.argv[3]


def mutate_obj(o):
    if MODE == "pod-status-strip" and isinstance(o, dict):
        st = o.get("status")
        if isinstance(st, dict):
            for k in ("hostIP", "hostIPs", "qosClass"):
                st.pop(k, None)
        for it in o.get("items") or []:
            mutate_obj(it)
    if MODE == "no-deletion-timestamp" and isinstance(o, dict):
        md = o.get("metadata")
        if isinstance(md, dict):
            md.pop("deletionTimestamp", None)
            md.pop("deletionGracePeriodSeconds", None)
        for it in o.get("items") or []:
            mutate_obj(it)
    return o


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _go(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        method = self.command
        watching = any(k == "watch" and v.lower() in ("1", "true") for k, v in q)
        if MODE == "no-label-selector":
            q = [(k, v) for k, v in q if k != "labelSelector"]
        if MODE == "no-field-selector":
            q = [(k, v) for k, v in q if k != "fieldSelector"]
        if MODE == "watch-ignores-rv" and watching:
            q = [(k, v) for k, v in q if k != "resourceVersion"]
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        noop = {"patch-noop": "PATCH", "put-noop": "PUT", "delete-noop": "DELETE"}.get(MODE)
        if method == noop or (MODE == "status-noop" and method in ("PUT", "PATCH") and u.path.endswith("/status")):
            method, body = "GET", None
            if self.command == "DELETE" or u.path.endswith("/status"):
                q = []
        path = u.path + ("?" + urllib.parse.urlencode(q) if q else "")
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        if method == "GET":
            hdrs.pop("Content-Type", None)
        c = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=600)
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        self.send_response(r.status, r.reason)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(k, v)
        self.send_header("Connection", "close")
        self.close_connection = True
        if watching:
            # chunked, like the API server: clients read watch streams chunk by chunk
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

            def chunk(b):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(b), b))
                self.wfile.flush()
            while True:
                line = r.readline()
                if not line:
                    break
                try:
                    ev = json.loads(line)
                except ValueError:
                    chunk(line)
                    continue
                if (MODE == "drop-modified" and ev.get("type") == "MODIFIED") or \
                   (MODE == "drop-deleted" and ev.get("type") == "DELETED"):
                    continue
                mutate_obj(ev.get("object"))
                try:
                    chunk(json.dumps(ev).encode() + b"\n")
                except OSError:  # the client went away
                    return
            self.wfile.write(b"0\r\n\r\n")
            return
        out = self._body(r, u)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def _body(self, r, u):
        data = r.read()
        try:
            doc = json.loads(data)
        except ValueError:
            return data
        if MODE == "no-continue" and isinstance(doc, dict) and isinstance(doc.get("metadata"), dict):
            doc["metadata"].pop("continue", None)
            doc["metadata"].pop("remainingItemCount", None)
        if MODE == "version-garbage" and u.path.rstrip("/") == "/version":
            doc["minor"] = "x"
            doc.pop("gitVersion", None)
            doc.pop("platform", None)
        if MODE == "discovery-drop-group" and isinstance(doc, dict):
            if doc.get("kind") == "APIGroupDiscoveryList" and doc.get("items"):
                doc["items"] = doc["items"][:-1]
            elif doc.get("kind") == "APIGroupList" and doc.get("groups"):
                g = doc["groups"][-1]
                g["preferredVersion"] = {"groupVersion": g["name"] + "/v0", "version": "v0"}
            elif doc.get("kind") == "APIResourceList" and doc.get("resources"):
                doc["resources"] = doc["resources"][1:]
        mutate_obj(doc)
        return json.dumps(doc).encode()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _go


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


S(("127.0.0.1", PORT), H).serve_forever()
