"""A small ATS over real HTTP for tests: answers like the ATS API (README, "The ATS
interface"), keeps the applications it created by Idempotency-Key, and can be told to
fail N times or to hang."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeAts:
    def __init__(self) -> None:
        self.fail_next = 0
        self.fail_status = 503
        self.hang = False
        self.released = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.applications: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeAts:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, body: dict[str, Any], key: str | None) -> tuple[int, Any]:
        with self.lock:
            self.requests.append({"path": path, "body": body, "idempotency_key": key})
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_status, {"error": "unavailable"}
            if key in self.applications:
                return 201, self.applications[key]
            parts = path.strip("/").split("/")
            if parts == ["v1", "candidates"]:
                answer = {"id": f"cand-{next(self._ids)}",
                          "applications": [{"id": f"app-{next(self._ids)}"}]}
            elif len(parts) == 4 and parts[::3] == ["v1", "applications"]:
                answer = {"id": f"app-{next(self._ids)}", "candidate_id": parts[2]}
            else:
                return 404, {"error": "not found"}
            self.applications[key or answer["id"]] = answer
            return 201, answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.hang:
                    fake.released.wait(30)
                    return
                status, body = fake.answer(self.path, json.loads(raw or b"{}"),
                                           self.headers.get("Idempotency-Key"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
