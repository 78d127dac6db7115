"""A real local HTTP receiver for webhook tests: checks each signature, answers with scripted status codes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from access.webhooks import EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


class Receiver:
    def __init__(self, secret: str = "", statuses: list[int] | None = None):
        self.secret = secret
        self.statuses = list(statuses or [])  # answered in order; 200 once they run out
        self.received: list[dict] = []  # every call: {"valid": bool, "event_id", "body", "status"}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                valid = verify(
                    receiver.secret,
                    self.headers.get(TIMESTAMP_HEADER, ""),
                    body,
                    self.headers.get(SIGNATURE_HEADER, ""),
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not valid:
                    status = 401
                receiver.received.append(
                    {
                        "valid": valid,
                        "event_id": self.headers.get(EVENT_HEADER),
                        "body": json.loads(body),
                        "status": status,
                    }
                )
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", "http://10.0.0.1/elsewhere")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/access"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
