"""Shared test helpers: the package on sys.path, vectors, key generation, a scripted HTTP server."""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional

SDK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(os.path.dirname(SDK_DIR), "testdata")
if SDK_DIR not in sys.path:
    sys.path.insert(0, SDK_DIR)

from plexmcp import PlexMCP  # noqa: E402
from plexmcp._keyformat import BASE62_ALPHABET, key_checksum  # noqa: E402


def load_vector(name: str) -> Any:
    with open(os.path.join(TESTDATA, name), encoding="utf-8") as f:
        return json.load(f)


def generate_key(mode: str = "live") -> str:
    """A well-formed key (right prefix, alphabet and checksum) that belongs to nobody."""
    body = f"pk_{mode}_" + "".join(secrets.choice(BASE62_ALPHABET) for _ in range(32))
    return body + key_checksum(body)


class Reply:
    """A scripted answer: JSON ``body`` (or ``raw`` bytes as they are), after ``delay`` seconds."""

    def __init__(
        self,
        status: int,
        body: Any,
        headers: Optional[Dict[str, str]] = None,
        raw: Optional[bytes] = None,
        delay: float = 0,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw = raw
        self.delay = delay


def ok(data: Any, next_cursor: Any = ..., status: int = 200) -> Reply:
    body: Dict[str, Any] = {"success": True, "data": data}
    if next_cursor is not ...:
        body["pagination"] = {"next_cursor": next_cursor}
    return Reply(status, body)


def fail(status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None, **extra: Any) -> Reply:
    error = {"code": code, "message": message, "request_id": "req_1", **extra}
    return Reply(status, {"success": False, "error": error}, headers)


class Seen:
    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class ScriptedServer:
    """A real HTTP server on 127.0.0.1 (free port) answering from a queue of scripted replies."""

    def __init__(self) -> None:
        self.replies: List[Reply] = []
        self.seen: List[Seen] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                reply = outer.replies.pop(0) if outer.replies else Reply(500, {"success": False})
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode("utf-8")
                self.send_response(reply.status)
                if "Content-Type" not in reply.headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("X-Request-Id", "req_header")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.seen = []


def no_sleep(record: List[float]) -> Callable[[float], None]:
    return record.append


class ScriptedTestCase(unittest.TestCase):
    """A test case with its own scripted server, a fresh key, and recorded (never slept) waits."""

    server: ScriptedServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ScriptedServer().start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def setUp(self) -> None:
        self.server.reset()
        self.delays: List[float] = []
        self.key = generate_key("live")

    def client(self, **kwargs: Any) -> "PlexMCP":
        kwargs.setdefault("base_url", self.server.base_url)
        return PlexMCP(api_key=self.key, _sleep=self.delays.append, **kwargs)
