"""Local stand-ins for Meta's Graph API (Send API) and X's API v2 (direct messages).

The real HTTP client (``requests``) in himcrm.notify.social talks to these over
loopback; only the platforms' side is replaced.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE_TOKEN = "fake-page-token"
X_TOKEN = "fake-x-user-token"


@dataclass
class FakeSocialApis:
    """Both APIs on one server: ``/me/messages`` (Meta) and ``/2/dm_conversations/...`` (X)."""

    meta_error: tuple[int, dict[str, Any]] | None = None  # (HTTP status, Graph error body)
    x_status: int = 201
    received: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeSocialApis:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.received.append((self.path, body, dict(self.headers)))
                if self.path == "/v21.0/me/messages":
                    if body.get("access_token") != PAGE_TOKEN:
                        self._reply(400, {"error": {"message": "bad token", "code": 190}})
                    elif fake.meta_error is not None:
                        self._reply(*fake.meta_error)
                    else:
                        self._reply(
                            200,
                            {
                                "recipient_id": body["recipient"].get("id", "c"),
                                "message_id": "m_" + uuid.uuid4().hex,
                            },
                        )
                elif self.path.startswith("/2/dm_conversations/with/"):
                    if self.headers.get("Authorization") != f"Bearer {X_TOKEN}":
                        self._reply(401, {"title": "Unauthorized"})
                    elif fake.x_status >= 300:
                        self._reply(fake.x_status, {"title": "Refused", "detail": "refused"})
                    else:
                        self._reply(
                            201,
                            {
                                "data": {
                                    "dm_conversation_id": "1-2",
                                    "dm_event_id": uuid.uuid4().int.__str__()[:19],
                                }
                            },
                        )
                else:
                    self._reply(404, {"error": {"message": "no such path", "code": 803}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
