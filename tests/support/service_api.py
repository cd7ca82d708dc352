#!/usr/bin/env python3
"""A stand-in for a tsuru native service API, for the service tests (Python standard library).

No ready implementation of the protocol runs here, so this follows tsuru's own description of
it (reference/tsuru-service-api.yaml) with the quirks real services have:
  - a duplicate create answers 500, not 409 (as mysqlapi);
  - GET /resources/plans and GET /resources/<name> answer 405 unless --plans is given;
  - status answers 202 (pending) the first time, then 204 (up);
  - bind answers the variables as a JSON object.

Options: --user/--password (basic auth; a wrong pair is 401), --plans JSON (serve
/resources/plans and /resources/<name>), --legacy-bind (POST /resources/<name>/bind-app
answers 404 and the old POST /resources/<name>/bind works), --delay SECONDS (every answer).

Failure switch: POST /_control with a JSON body {"fail": {"<METHOD> <path suffix>": status},
"delay": seconds} (no auth), e.g. {"fail": {"POST bind-app": 500}}; GET /_control returns the
recorded requests (method, path, headers (a repeated one's values joined with ", "), form
fields as lists). {"envs": {...}} replaces the
variables binds answer.

Prints "PORT <n>" once it listens on 127.0.0.1.
"""
import argparse
import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STATE = {"instances": {}, "binds": {}, "status_calls": {}, "requests": [], "fail": {}, "delay": 0.0}
LOCK = threading.Lock()
ARGS = None


def joined_headers(headers):
    """Headers by lower-case name; a repeated header's values joined with ", "."""
    out = {}
    for k, v in headers.items():
        k = k.lower()
        out[k] = out[k] + ", " + v if k in out else v
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body=b"", ctype="text/plain"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            ctype = "application/json"
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        if self.command == "GET":
            raw = urlparse(self.path).query
        return parse_qs(raw, keep_blank_values=True)

    def handle_any(self):
        path = urlparse(self.path).path
        form = self.read_form()
        if path == "/_control":
            if self.command == "POST":
                cfg = json.loads(self._raw_body or "{}")
                STATE["fail"] = cfg.get("fail") or {}
                STATE["delay"] = float(cfg.get("delay") or 0)
                STATE["envs"] = cfg.get("envs")
                return self.answer(200, {"ok": True})
            with LOCK:
                return self.answer(200, STATE["requests"])
        with LOCK:
            STATE["requests"].append(
                {
                    "method": self.command,
                    "path": path,
                    "headers": joined_headers(self.headers),
                    "form": form,
                }
            )
        delay = STATE["delay"] or ARGS.delay
        if delay:
            time.sleep(delay)
        expected = "Basic " + base64.b64encode(f"{ARGS.user}:{ARGS.password}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.answer(401, "unauthorized\n")
        for key, status in STATE["fail"].items():
            method, _, suffix = key.partition(" ")
            if method == self.command and path.endswith(suffix):
                return self.answer(int(status), "switched to fail\n")
        parts = [p for p in path.split("/") if p]
        if parts[:1] != ["resources"]:
            return self.answer(404, "not found\n")
        rest = parts[1:]
        one = lambda k: (form.get(k) or [""])[0]
        if self.command == "POST" and rest == []:
            name = one("name")
            with LOCK:
                if name in STATE["instances"]:
                    return self.answer(500, "Error 1007: Can't create database; database exists\n")
                STATE["instances"][name] = {"plan": one("plan"), "team": one("team")}
            return self.answer(201, "")
        if rest == ["plans"]:
            if ARGS.plans is None:
                return self.answer(405, "method not allowed\n")
            return self.answer(200, json.loads(ARGS.plans))
        name = rest[0] if rest else ""
        known = name in STATE["instances"]
        if len(rest) == 1:
            if self.command == "GET":
                if ARGS.plans is None:
                    return self.answer(405, "method not allowed\n")
                if not known:
                    return self.answer(404, "")
                return self.answer(200, [{"label": "Address", "value": "127.0.0.1:3306"}])
            if self.command == "PUT":
                if not known:
                    return self.answer(404, "")
                STATE["instances"][name]["plan"] = one("plan")
                return self.answer(200, "")
            if self.command == "DELETE":
                with LOCK:
                    if STATE["instances"].pop(name, None) is None:
                        return self.answer(404, "")
                return self.answer(200, "")
        if len(rest) == 2 and rest[1] in ("bind-app", "bind"):
            if self.command == "POST":
                if rest[1] == "bind-app" and ARGS.legacy_bind:
                    return self.answer(404, "404 page not found\n")
                if not known:
                    return self.answer(404, "")
                app = one("app-name")
                with LOCK:
                    STATE["binds"][(name, app)] = True
                envs = STATE.get("envs") or {
                    "DB_HOST": "127.0.0.1",
                    "DB_NAME": name,
                    "DB_PASSWORD": "s3cret-" + name,
                }
                return self.answer(201, envs)
            if self.command == "DELETE":
                app = one("app-name")
                with LOCK:
                    if STATE["binds"].pop((name, app), None) is None:
                        return self.answer(404, "")
                return self.answer(200, "")
        if len(rest) == 2 and rest[1] == "status" and self.command == "GET":
            if not known:
                return self.answer(404, "")
            with LOCK:
                n = STATE["status_calls"].get(name, 0)
                STATE["status_calls"][name] = n + 1
            return self.answer(202 if n == 0 else 204, "")
        return self.answer(404, "not found\n")

    def dispatch(self):
        self._raw_body = None
        if urlparse(self.path).path == "/_control" and self.command == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            self._raw_body = self.rfile.read(n).decode()
            self.headers.replace_header("Content-Length", "0") if "Content-Length" in self.headers else None
        self.handle_any()

    do_GET = do_POST = do_PUT = do_DELETE = dispatch


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--user", default="svc")
    p.add_argument("--password", default="svc-pass")
    p.add_argument("--plans", default=None)
    p.add_argument("--legacy-bind", action="store_true")
    p.add_argument("--delay", type=float, default=0.0)
    ARGS = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
