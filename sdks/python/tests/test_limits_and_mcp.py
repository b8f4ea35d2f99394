"""Retry policy (usage limits, Retry-After cap), per-call timeouts, typed models and the MCP session,
against a local scripted HTTP self.server."""

import json
import time
import unittest
from email.utils import formatdate

from _support import ScriptedTestCase, Reply, ScriptedServer, fail, generate_key, ok

from plexmcp import (
    APITimeoutError,
    CallToolResult,
    CreatedKey,
    MCPError,
    PermissionDeniedError,
    PlexMCP,
    RateLimitError,
    Usage,
    UsageLimitExceededError,
)

Base = ScriptedTestCase


class RetryPolicyTest(Base):
    def test_a_usage_limit_is_never_retried_even_on_an_idempotent_request(self) -> None:
        self.server.reset(
            fail(429, "usage_limit_exceeded", "Daily limit reached", {"Retry-After": "2"}),
            ok({"id": "mcp_1"}),
        )
        with self.assertRaises(UsageLimitExceededError) as caught:
            self.client(max_retries=5).mcps.delete("mcp_1")
        self.assertEqual(caught.exception.retry_after, 2)
        self.assertEqual((len(self.server.seen), self.delays), (1, []))

    def test_retry_after_is_waited_up_to_the_cap_and_a_longer_one_raises_at_once(self) -> None:
        self.server.reset(fail(429, "rate_limited", "slow", {"Retry-After": "5"}), ok({"id": "key_1"}))
        self.assertEqual(self.client(max_retry_wait=5).me().id, "key_1")
        self.assertEqual(self.delays, [5.0])

        self.delays.clear()
        self.server.reset(fail(429, "rate_limited", "slow", {"Retry-After": "6"}), ok({"id": "key_1"}))
        with self.assertRaises(RateLimitError) as caught:
            self.client(max_retry_wait=5).me()
        self.assertEqual((caught.exception.retry_after, len(self.server.seen), self.delays), (6.0, 1, []))

    def test_retry_after_as_an_http_date(self) -> None:
        self.server.reset(fail(429, "rate_limited", "slow", {"Retry-After": formatdate(time.time() + 30, usegmt=True)}))
        with self.assertRaises(RateLimitError) as caught:
            self.client(max_retries=0).me()
        self.assertTrue(25 <= caught.exception.retry_after <= 31, caught.exception.retry_after)

    def test_a_wait_past_the_call_deadline_is_not_started(self) -> None:
        self.server.reset(fail(429, "rate_limited", "slow", {"Retry-After": "3"}), ok({"id": "key_1"}))
        with self.assertRaises(RateLimitError):
            self.client().me(timeout=2)
        self.assertEqual((len(self.server.seen), self.delays), (1, []))


class TimeoutTest(Base):
    def test_every_call_takes_a_timeout_that_bounds_the_whole_call(self) -> None:
        self.server.reset(Reply(200, {"success": True, "data": {}}, delay=2))
        started = time.monotonic()
        with self.assertRaises(APITimeoutError):
            self.client(max_retries=0).mcps.get("mcp_1", timeout=0.3)
        self.assertLess(time.monotonic() - started, 1.5)

    def test_the_client_timeout_bounds_each_attempt(self) -> None:
        self.server.reset(Reply(200, {"success": True, "data": {}}, delay=2))
        started = time.monotonic()
        with self.assertRaises(APITimeoutError):
            self.client(timeout=0.3, max_retries=0).keys.create(name="x")
        self.assertLess(time.monotonic() - started, 1.5)


class ModelsTest(Base):
    def test_answers_are_typed_models_and_secrets_stay_out_of_repr(self) -> None:
        secret = generate_key("live")
        self.server.reset(ok({"id": "key_1", "name": "ci", "permissions": {"mcps": "*"}, "secret": secret, "extra": 1}))
        created = self.client().keys.create(name="ci")
        self.assertIsInstance(created, CreatedKey)
        self.assertEqual((created.id, created.secret, created.permissions), ("key_1", secret, {"mcps": "*"}))
        self.assertIsNone(created.revoked_at)
        self.assertNotIn(secret, repr(created))

        usage = {
            "from": "2026-01-01T00:00:00Z",
            "total_requests": 3,
            "latency_ms": {"p50": 1.5, "p95": None, "p99": None},
            "series": [{"start": "2026-01-01T00:00:00Z", "requests": 3, "billable_requests": 2, "errors": 0}],
            "by_mcp": [{"mcp_id": "mcp_1", "requests": 3}],
        }
        self.server.reset(ok(usage))
        got = self.client().usage.get()
        self.assertIsInstance(got, Usage)
        self.assertEqual((got.from_, got.latency_ms.p50, got.series[0].billable_requests), (usage["from"], 1.5, 2))
        self.assertEqual(got.by_mcp[0].mcp_id, "mcp_1")
        self.assertEqual(got.to_dict()["from"], usage["from"])


def sse(*messages) -> bytes:
    return b"".join(b"event: message\ndata: " + json.dumps(m).encode() + b"\n\n" for m in messages)


INIT = {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "up", "version": "1"}}


class McpSessionTest(Base):
    def test_initialize_list_and_call_over_json_and_sse_then_close(self) -> None:
        self.server.reset(
            Reply(200, {"jsonrpc": "2.0", "id": 1, "result": INIT}, {"Mcp-Session-Id": "sess-1"}),
            Reply(202, None, raw=b""),
            Reply(
                200,
                None,
                {"Content-Type": "text/event-stream"},
                raw=b": comment\n\n"
                + sse(
                    {"jsonrpc": "2.0", "method": "notifications/message", "params": {}},
                    {"jsonrpc": "2.0", "id": 2, "result": {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}},
                ),
            ),
            Reply(
                200,
                None,
                {"Content-Type": "text/event-stream"},
                raw=sse({"jsonrpc": "2.0", "id": 3, "result": {"content": [{"type": "text", "text": "echo: hi"}]}}),
            ),
            Reply(200, None, raw=b""),
        )
        with self.client().mcps.connect("mcp_1") as mcp:
            self.assertEqual((mcp.server.server_info.name, mcp.protocol_version), ("up", "2025-06-18"))
            tools = mcp.list_tools()
            self.assertEqual([t.name for t in tools.tools], ["echo"])
            self.assertEqual(tools.tools[0].input_schema, {"type": "object"})
            result = mcp.call_tool("echo", {"text": "hi"})
            self.assertIsInstance(result, CallToolResult)
            self.assertEqual((result.content, result.is_error), ([{"type": "text", "text": "echo: hi"}], False))

        self.assertEqual([(s.method, s.path) for s in self.server.seen], [("POST", "/v1/mcps/mcp_1/mcp")] * 4 + [("DELETE", "/v1/mcps/mcp_1/mcp")])
        first, later = self.server.seen[0], self.server.seen[1:]
        self.assertEqual(first.json()["method"], "initialize")
        self.assertEqual(first.headers["authorization"], f"Bearer {self.key}")
        self.assertIn("text/event-stream", first.headers["accept"])
        self.assertNotIn("mcp-session-id", first.headers)
        self.assertEqual([s.json()["method"] for s in later[:3]], ["notifications/initialized", "tools/list", "tools/call"])
        self.assertEqual({s.headers["mcp-session-id"] for s in later}, {"sess-1"})
        self.assertEqual({s.headers["mcp-protocol-version"] for s in later}, {"2025-06-18"})
        self.assertEqual(later[2].json()["params"], {"name": "echo", "arguments": {"text": "hi"}})

    def test_gateway_refusals_are_typed_and_json_rpc_errors_raise_mcp_error(self) -> None:
        self.server.reset(fail(403, "forbidden", "API key does not have permission for this resource"))
        with self.assertRaises(PermissionDeniedError):
            self.client().mcps.connect("mcp_1")

        self.server.reset(
            Reply(200, {"jsonrpc": "2.0", "id": 1, "result": INIT}),
            Reply(202, None, raw=b""),
            Reply(200, {"jsonrpc": "2.0", "id": 2, "error": {"code": -32602, "message": "Unknown tool: nope"}}),
            fail(429, "usage_limit_exceeded", "Usage limit reached", {"Retry-After": "1"}),
        )
        mcp = self.client(max_retries=3).mcps.connect("mcp_1")
        with self.assertRaises(MCPError) as caught:
            mcp.call_tool("nope")
        self.assertEqual((caught.exception.code, caught.exception.message), (-32602, "Unknown tool: nope"))
        with self.assertRaises(UsageLimitExceededError):
            mcp.list_tools()
        self.assertEqual((len(self.server.seen), self.delays), (4, []))


if __name__ == "__main__":
    unittest.main()
