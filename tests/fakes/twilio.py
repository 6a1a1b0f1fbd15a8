"""A local stand-in for Twilio's REST API, spoken to by the real ``twilio`` library.

Only the boundary is replaced: the client library builds and sends real HTTP
requests (Basic auth, form-encoded bodies, the account path) to this server.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token-for-tests"
FROM_NUMBER = "+905000000000"


@dataclass
class Received:
    path: str
    auth_user: str
    form: dict[str, str]
    sid: str
    at: float


@dataclass
class FakeTwilio:
    """Configure failures per destination number; inspect what arrived."""

    permanent: dict[str, int] = field(default_factory=dict)  # To → Twilio error code
    transient_failures: int = 0  # this many 503s before accepting
    delay: float = 0.0  # seconds to hold each accepted request (the message is recorded first)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _auth(self) -> str:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return ""
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                return user if password == AUTH_TOKEN else ""

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                user = self._auth()
                if user != ACCOUNT_SID:
                    return self._json(
                        401, {"code": 20003, "message": "Authenticate", "status": 401}
                    )
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake.lock:
                    if fake.transient_failures > 0:
                        fake.transient_failures -= 1
                        return self._json(
                            503, {"code": 20500, "message": "Service unavailable", "status": 503}
                        )
                    code = fake.permanent.get(form.get("To", ""))
                    if code:
                        return self._json(
                            400, {"code": code, "message": f"error {code}", "status": 400}
                        )
                    sid = "SM" + uuid.uuid4().hex
                    fake.received.append(
                        Received(urlsplit(self.path).path, user, form, sid, time.time())
                    )
                if fake.delay:
                    time.sleep(fake.delay)
                self._json(201, fake._resource(sid, form))

            def do_GET(self) -> None:
                if self._auth() != ACCOUNT_SID:
                    return self._json(
                        401, {"code": 20003, "message": "Authenticate", "status": 401}
                    )
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                with fake.lock:
                    found = [r for r in fake.received if r.form.get("To") == query.get("To")]
                messages = [fake._resource(r.sid, r.form) for r in reversed(found)]
                self._json(
                    200,
                    {
                        "messages": messages,
                        "next_page_uri": None,
                        "page": 0,
                        "page_size": 50,
                        "uri": urlsplit(self.path).path,
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def _resource(self, sid: str, form: dict[str, str]) -> dict[str, Any]:
        return {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "date_created": format_datetime(datetime.now(UTC)),
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }

    def bodies_to(self, number: str) -> list[str]:
        with self.lock:
            return [r.form.get("Body", "") for r in self.received if r.form.get("To") == number]

    def count(self) -> int:
        with self.lock:
            return len(self.received)
