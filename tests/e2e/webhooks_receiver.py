"""A webhook receiver for tests/e2e/webhooks.rs: a real HTTP server that
verifies every request with the `standardwebhooks` package (an independent
implementation of the Standard Webhooks signature) and records each one as a
JSON line: what it got and how it answered.

    python3 webhooks_receiver.py SECRETS_FILE RECORD_FILE

SECRETS_FILE holds the subscriptions' secrets, one a line (read afresh on
every request: a test writes a secret once it has subscribed); a request
verifies when one of them verifies it.

It listens on 127.0.0.1 on a free port and prints the port on its first
line. How it answers depends on the path it is posted to:

    /ok                204 (after verifying)
    /fail              500, always
    /fail-first/N      500 to the first N requests of each webhook-id, then 204
    /gone              410 Gone
    /redirect          307 to /ok (a sender must not follow it)
    /slow              204 after 0.3 s
    /hang-once         the first request of each webhook-id never gets an
                       answer (the server waits 120 s); later ones 204

A request whose signature does not verify is answered 400 and recorded
with "verified": false.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRETS = sys.argv[1]
RECORD = sys.argv[2]
LOCK = threading.Lock()
SEEN = {}


def record(entry):
    with LOCK:
        with open(RECORD, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()


def count(message_id):
    with LOCK:
        SEEN[message_id] = SEEN.get(message_id, 0) + 1
        return SEEN[message_id]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        message_id = headers.get("webhook-id", "")
        entry = {
            "path": self.path,
            "id": message_id,
            "timestamp": headers.get("webhook-timestamp"),
            "content_type": headers.get("content-type"),
        }
        entry["verified"] = False
        with open(SECRETS, encoding="utf-8") as secrets:
            keys = [line.strip() for line in secrets if line.strip()]
        for secret in keys:
            try:
                entry["payload"] = Webhook(secret).verify(body, headers)
                entry["verified"] = True
                entry.pop("error", None)
                break
            except (WebhookVerificationError, ValueError) as error:
                entry["error"] = str(error)
        if not entry["verified"]:
            entry["status"] = 400
            record(entry)
            return self.answer(400)
        n = count(message_id)
        entry["attempt"] = n
        path = self.path
        if path == "/ok":
            status = 204
        elif path == "/fail":
            status = 500
        elif path.startswith("/fail-first/"):
            status = 500 if n <= int(path.rsplit("/", 1)[1]) else 204
        elif path == "/gone":
            status = 410
        elif path == "/redirect":
            entry["status"] = 307
            record(entry)
            self.send_response(307)
            self.send_header("location", "/ok")
            self.send_header("content-length", "0")
            self.end_headers()
            return
        elif path == "/slow":
            time.sleep(0.3)
            status = 204
        elif path == "/hang-once":
            if n == 1:
                entry["status"] = "hung"
                record(entry)
                time.sleep(120)
                return
            status = 204
        else:
            status = 404
        entry["status"] = status
        record(entry)
        self.answer(status)

    def answer(self, status):
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
