#!/usr/bin/env python3
"""A webhook receiver for tests: a real HTTP(S) server on loopback, standard library only.

It appends one JSON line per request to --out:
    {"method", "path", "headers": [[name, value], ...], "body", "signature_ok"}
and answers the statuses of --statuses in turn (the last one repeats). With --proxy it is a
forward proxy instead (absolute-URI requests are forwarded, CONNECT is tunnelled) and records
{"method", "target"} per request. It prints "PORT <n>" on its first line once listening.

    hook_receiver.py --out FILE [--port N] [--statuses 503,200] [--delay SECONDS]
                     [--tls-cert CERT --tls-key KEY] [--secret S] [--proxy]
"""
import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import select
import socket
import ssl
import sys
import threading
import time
import urllib.parse

lock = threading.Lock()


def record(path, entry):
    with lock:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def signature_ok(secret, headers, body):
    """Checks X-Tsuru-Signature the way the README tells receivers to."""
    ts = headers.get("X-Tsuru-Timestamp")
    sig = headers.get("X-Tsuru-Signature")
    if not secret or ts is None or sig is None:
        return None
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(ts)) < 300
    return fresh and hmac.compare_digest("sha256=" + mac, sig)


def receiver(args):
    statuses = [int(s) for s in args.statuses.split(",") if s]
    calls = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                i = calls["n"]
                calls["n"] += 1
            status = statuses[min(i, len(statuses) - 1)]
            record(args.out, {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"),
                "signature_ok": signature_ok(args.secret, self.headers, body),
            })
            if args.delay:
                time.sleep(args.delay)
            reply = ("status %d" % status).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

        def log_message(self, *a):
            pass

    return Handler


def proxy(args):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_CONNECT(self):
            record(args.out, {"method": "CONNECT", "target": self.path})
            host, port = self.path.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=10)
            self.send_response(200, "Connection established")
            self.end_headers()
            conns = [self.connection, upstream]
            try:
                while True:
                    ready, _, broken = select.select(conns, [], conns, 10)
                    if broken or not ready:
                        break
                    for s in ready:
                        data = s.recv(65536)
                        if not data:
                            return
                        (upstream if s is self.connection else self.connection).sendall(data)
            finally:
                upstream.close()
                self.close_connection = True

        def forward(self):
            record(args.out, {"method": self.command, "target": self.path})
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
            path = url.path + ("?" + url.query if url.query else "")
            headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
            conn.request(self.command, path or "/", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

        def log_message(self, *a):
            pass

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--statuses", default="200")
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--secret")
    p.add_argument("--proxy", action="store_true")
    args = p.parse_args()
    handler = proxy(args) if args.proxy else receiver(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
