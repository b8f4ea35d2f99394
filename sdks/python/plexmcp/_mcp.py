"""A minimal MCP client over Streamable HTTP (JSON-RPC 2.0), through the gateway with the key.

It speaks what a tool caller needs: ``initialize`` (then ``notifications/initialized``),
``tools/list`` and ``tools/call``, plus any other request by name. Answers may come as one JSON
body or as a Server-Sent Events stream; server-to-client requests on that stream are not served.
"""

from __future__ import annotations

import itertools
import json
import time
from types import TracebackType
from typing import IO, Any, Dict, Iterator, List, Optional, Type

from ._errors import APIError, MCPError, PlexMCPError, error_from_response
from ._http import HttpClient, Response
from ._models import CallToolResult, InitializeResult, JsonObject, ListToolsResult
from ._version import __version__

PROTOCOL_VERSION = "2025-06-18"


class McpSession:
    """A session with one MCP through the gateway (``client.mcps.connect(mcp_id)``).

    >>> with client.mcps.connect(mcp_id) as mcp:  # doctest: +SKIP
    ...     tools = mcp.list_tools().tools
    ...     result = mcp.call_tool("echo", {"text": "hi"})

    Gateway refusals raise the client's typed errors (a key without this MCP:
    ``PermissionDeniedError``; over its usage limit: ``UsageLimitExceededError``, at once); a
    JSON-RPC error from the MCP server raises :class:`MCPError`. Every method takes ``timeout=``
    (seconds for the whole call). MCP requests are POSTs, so they are never retried.
    """

    def __init__(self, http: HttpClient, url: str) -> None:
        self._http = http
        self.url = url
        self._ids = itertools.count(1)
        self.session_id: Optional[str] = None
        self.protocol_version: Optional[str] = None
        self.server: Optional[InitializeResult] = None

    def __repr__(self) -> str:
        return f"McpSession(url={self.url!r}, session_id={self.session_id!r})"

    def __enter__(self) -> "McpSession":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        try:
            self.close()
        except PlexMCPError:
            if exc is None:
                raise  # otherwise the error that ended the block is the one worth seeing

    def initialize(self, *, timeout: Optional[float] = None) -> InitializeResult:
        """Open the session (``connect`` already did): agree on the protocol version, then send
        ``notifications/initialized``."""
        params = {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "plexmcp-sdk-python", "version": __version__},
        }
        started = time.monotonic()
        result = InitializeResult.from_dict(self.request("initialize", params, timeout=timeout))
        self.protocol_version = result.protocol_version or PROTOCOL_VERSION
        self.server = result
        left = None if timeout is None else max(timeout - (time.monotonic() - started), 0.001)
        self.notify("notifications/initialized", timeout=left)
        return result

    def list_tools(self, cursor: Optional[str] = None, *, timeout: Optional[float] = None) -> ListToolsResult:
        """One page of the server's tools (``next_cursor`` names the next one, if any)."""
        params = {"cursor": cursor} if cursor else None
        return ListToolsResult.from_dict(self.request("tools/list", params, timeout=timeout))

    def call_tool(
        self, name: str, arguments: Optional[Dict[str, Any]] = None, *, timeout: Optional[float] = None
    ) -> CallToolResult:
        params = {"name": name, "arguments": arguments or {}}
        return CallToolResult.from_dict(self.request("tools/call", params, timeout=timeout))

    def request(self, method: str, params: Optional[JsonObject] = None, *, timeout: Optional[float] = None) -> JsonObject:
        """Any JSON-RPC request; returns its ``result``."""
        request_id = next(self._ids)
        body = _message(method, params, request_id)

        def attempt(allowed: float) -> JsonObject:
            with self._http.open("POST", self.url, self._headers(), body, allowed) as response:
                self._check(response)
                answer = self._answer(response, request_id)
            if "error" in answer:
                error = answer["error"] if isinstance(answer["error"], dict) else {}
                raise MCPError(int(error.get("code", 0)), str(error.get("message", "")), error.get("data"))
            result = answer.get("result")
            return result if isinstance(result, dict) else {}

        return self._http.retrying("POST", attempt, timeout=timeout)

    def notify(self, method: str, params: Optional[JsonObject] = None, *, timeout: Optional[float] = None) -> None:
        """A JSON-RPC notification (no answer expected)."""
        body = _message(method, params)

        def attempt(allowed: float) -> None:
            with self._http.open("POST", self.url, self._headers(), body, allowed) as response:
                self._check(response)
                response.body.read()

        self._http.retrying("POST", attempt, timeout=timeout)

    def close(self, *, timeout: Optional[float] = None) -> None:
        """End the session on the server (DELETE). A server that keeps no sessions is fine."""
        if self.session_id is None:
            return

        def attempt(allowed: float) -> None:
            with self._http.open("DELETE", self.url, self._headers(), None, allowed) as response:
                if response.status != 405:  # 405: the server does not let clients end sessions
                    self._check(response)
                response.body.read()

        try:
            self._http.retrying("DELETE", attempt, timeout=timeout)
        finally:
            self.session_id = None

    def _headers(self) -> Dict[str, str]:
        headers = self._http.headers(Accept="application/json, text/event-stream")
        headers["Content-Type"] = "application/json"
        if self.session_id is not None:
            headers["Mcp-Session-Id"] = self.session_id
        if self.protocol_version is not None:
            headers["MCP-Protocol-Version"] = self.protocol_version
        return headers

    def _check(self, response: Response) -> None:
        """Raise the typed error of a refusal: the gateway's envelope, or the MCP server's own
        JSON-RPC error; keep the session id the server assigned."""
        session_id = response.headers.get("mcp-session-id")
        if session_id:
            self.session_id = session_id
        if response.status < 400:
            return
        parsed = response.read_json()
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict) and "jsonrpc" in parsed:
            error = parsed["error"]
            raise MCPError(int(error.get("code", 0)), str(error.get("message", "")), error.get("data"), response.status)
        raise error_from_response(response.status, parsed, response.headers)

    def _answer(self, response: Response, request_id: int) -> JsonObject:
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "text/event-stream":
            for message in _sse_messages(response.body):
                found = _matching(message, request_id)
                if found is not None:
                    return found
            raise APIError(response.status, {"message": "The event stream ended without an answer"}, response.headers)
        found = _matching(response.read_json(), request_id)
        if found is None:
            raise APIError(response.status, {"message": "Unexpected MCP response shape"}, response.headers)
        return found


def _message(method: str, params: Optional[JsonObject], request_id: Optional[int] = None) -> bytes:
    """A JSON-RPC request (with an id) or notification (without), encoded."""
    message: JsonObject = {"jsonrpc": "2.0", "method": method}
    if request_id is not None:
        message["id"] = request_id
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode("utf-8")


def _matching(message: Any, request_id: int) -> Optional[JsonObject]:
    """The JSON-RPC response to ``request_id`` in a message (or a batch of them)."""
    candidates: List[Any] = message if isinstance(message, list) else [message]
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("id") == request_id and "method" not in candidate:
            return candidate
    return None


def _sse_messages(stream: IO[bytes]) -> Iterator[Any]:
    """The JSON payloads of the ``message`` events of a Server-Sent Events stream, as they arrive."""
    event: str = "message"
    data: List[str] = []
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data and event == "message":
                try:
                    yield json.loads("\n".join(data))
                except ValueError:
                    pass
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
