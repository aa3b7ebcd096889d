#!/usr/bin/env python3
"""A minimal eMSP for the server benchmark: it registers, then takes every push.

    emsp.py PORT TOKEN_FILE [PUSH_BASE [PARTY=BASE,...]]

It answers the versions and credentials calls of `ocpi-cpo parties register` (any token A),
writes the token the CPO gives it (token B, for calling the CPO) to TOKEN_FILE, and accepts
every Locations PUT and PATCH with OCPI status 1000. GET /stats returns how many pushes came.

It stands for many eMSPs at once: registered with token A `bench-token-a` it is DE/MSP (whose
token goes to TOKEN_FILE), with `bench-token-a-NN` it is DE/BNN, a party of its own each (a CPO
lets one partner hold a party), all pushed to at the same URLs: its own, or, with PUSH_BASE,
PUSH_BASE/2.2.1/locations (the benchmark's nginx, which takes pushes for next to nothing).
The fourth argument gives some parties a push base of their own (`B95=http://127.0.0.1:9000`),
or none (`MSP=none`: no Locations receiver, so that party is pushed nothing): the fan-out
benchmark's slow and unreachable partners, and its reader of the store. The party asking is
known by the token of the version details request (token A while registering, C after).
"""
import base64
import json
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
TOKEN_FILE = sys.argv[2]
BASE = "http://127.0.0.1:%d" % PORT
PUSH_BASE = sys.argv[3] if len(sys.argv) > 3 else BASE
PUSH_BASES = dict(item.split("=", 1) for item in sys.argv[4].split(",") if item) if len(sys.argv) > 4 else {}
pushes = 0
lock = threading.Lock()


def envelope(data):
    return {"data": data, "status_code": 1000, "status_message": "Success",
            "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def token_of(authorization):
    """The token of `Token <base64>` (or of `Token <token>`)."""
    value = authorization.split(" ", 1)[-1].strip()
    try:
        return base64.b64decode(value, validate=True).decode()
    except ValueError:
        return value


def party_of(token):
    """The party a token A (`bench-token-a[-NN]`) or C (`bench-emsp-token-c-PARTY`) stands for."""
    if token.startswith("bench-token-a-"):
        return "B" + token[-2:]
    if token.startswith("bench-emsp-token-c-"):
        return token[len("bench-emsp-token-c-"):]
    return "MSP"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # CPO's delayed ACK (tens of milliseconds), which would make this eMSP, not the CPO, the
    # limit on pushes.
    disable_nagle_algorithm = True

    def log_message(self, *arguments):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        if self.path == "/versions":
            self.reply(200, envelope([{"version": "2.2.1", "url": BASE + "/2.2.1"}]))
        elif self.path == "/2.2.1":
            push_base = PUSH_BASES.get(party_of(token_of(self.headers.get("Authorization") or "")), PUSH_BASE)
            endpoints = [{"identifier": "credentials", "role": "RECEIVER", "url": BASE + "/2.2.1/credentials"}]
            if push_base != "none":
                endpoints.append({"identifier": "locations", "role": "RECEIVER", "url": push_base + "/2.2.1/locations"})
            self.reply(200, envelope({"version": "2.2.1", "endpoints": endpoints}))
        elif self.path == "/stats":
            with lock:
                count = pushes
            self.reply(200, {"pushes": count})
        else:
            self.reply(404, {"status_code": 2003, "status_message": "unknown",
                             "timestamp": envelope(None)["timestamp"]})

    def do_POST(self):
        if self.path != "/2.2.1/credentials":
            self.body()
            self.reply(404, {"status_code": 2003, "timestamp": envelope(None)["timestamp"]})
            return
        theirs = json.loads(self.body())
        party = party_of(token_of(self.headers.get("Authorization") or ""))
        if party == "MSP":
            with open(TOKEN_FILE, "w") as file:
                file.write(theirs["token"])
        self.reply(200, envelope({
            "token": "bench-emsp-token-c-" + party, "url": BASE + "/versions",
            "roles": [{"role": "EMSP", "country_code": "DE", "party_id": party,
                       "business_details": {"name": "Bench eMSP " + party}}],
        }))

    def push(self):
        global pushes
        self.body()
        with lock:
            pushes += 1
        self.reply(200, envelope(None))

    do_PUT = push
    do_PATCH = push


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.daemon_threads = True
    server.serve_forever()
