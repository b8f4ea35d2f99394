import os
import subprocess
import sys
import unittest
from unittest import mock

from _support import ScriptedTestCase, SDK_DIR, Reply, ScriptedServer, fail, generate_key, ok

from plexmcp import (
    APIError,
    APIConnectionError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PlexMCP,
    RateLimitError,
    ServiceUnavailableError,
    UsageLimitExceededError,
    ValidationError,
)

Base = ScriptedTestCase


class ConstructionTest(Base):
    def test_missing_key_raises_before_sending_anything(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaisesRegex(ConfigurationError, "PLEXMCP_API_KEY"):
                PlexMCP(base_url=self.server.base_url)
        self.assertEqual(self.server.seen, [])

    def test_malformed_key_raises_without_echoing_the_key(self) -> None:
        bad = self.key[:-1] + ("A" if self.key[-1] != "A" else "B")
        with self.assertRaises(ConfigurationError) as caught:
            PlexMCP(api_key=bad, base_url=self.server.base_url)
        self.assertIn("Malformed API key", str(caught.exception))
        self.assertNotIn(bad[8:20], str(caught.exception))
        self.assertEqual(self.server.seen, [])

    def test_reads_key_and_base_url_from_the_environment(self) -> None:
        env = {"PLEXMCP_API_KEY": self.key + "\n", "PLEXMCP_BASE_URL": self.server.base_url}
        self.server.reset(ok({"id": "key_abc12345", "object": "api_key"}))
        with mock.patch.dict(os.environ, env, clear=True):
            me = PlexMCP().me()
        self.assertEqual(me.id, "key_abc12345")
        self.assertEqual(me.object, "api_key")
        self.assertEqual(self.server.seen[0].path, "/v1/me")
        self.assertEqual(self.server.seen[0].headers["authorization"], f"Bearer {self.key}")
        self.assertTrue(self.server.seen[0].headers["user-agent"].startswith("plexmcp-sdk-python/"))

    def test_defaults_to_localhost_and_rejects_a_non_http_base_url(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(PlexMCP(api_key=self.key).base_url, "http://localhost:3000")
        with self.assertRaisesRegex(ConfigurationError, "base_url"):
            PlexMCP(api_key=self.key, base_url="ftp://example.com")

    def test_repr_never_shows_the_key(self) -> None:
        client = self.client()
        self.assertNotIn(self.key[8:], repr(client))
        self.assertNotIn(self.key[8:], repr(client._http))


class ErrorMappingTest(Base):
    def test_maps_wire_codes_to_typed_errors_with_request_id_status_and_code(self) -> None:
        cases = [
            (fail(401, "unauthorized", "Invalid or missing API key"), AuthenticationError),
            (fail(403, "forbidden", "API key does not have permission for this resource"), PermissionDeniedError),
            (fail(404, "not_found", "No such MCP"), NotFoundError),
            (fail(409, "conflict", "Key already revoked"), ConflictError),
        ]
        for reply, cls in cases:
            self.server.reset(reply)
            with self.assertRaises(cls) as caught:
                self.client().mcps.get("mcp_abcdefgh")
            err = caught.exception
            self.assertEqual(err.status, reply.status)
            self.assertEqual(err.code, reply.body["error"]["code"])
            self.assertEqual(err.message, reply.body["error"]["message"])
            self.assertEqual(err.request_id, "req_1")
            self.assertNotIn(self.key, str(err))

    def test_validation_error_carries_details(self) -> None:
        details = [{"field": "name", "message": "Required"}]
        self.server.reset(fail(400, "validation_error", "Invalid body", details=details))
        with self.assertRaises(ValidationError) as caught:
            self.client().keys.create(name="")
        self.assertEqual(caught.exception.details, details)
        self.assertEqual(self.server.seen[0].json(), {"name": ""})

    def test_falls_back_to_the_status_and_the_response_request_id(self) -> None:
        self.server.reset(ok(None, status=503))
        self.server.replies[0].body = {"unexpected": True}
        with self.assertRaises(ServiceUnavailableError) as caught:
            self.client(max_retries=0).me()
        self.assertEqual(caught.exception.code, "unknown_error")
        self.assertEqual(caught.exception.request_id, "req_header")

    def test_usage_limit_is_a_rate_limit_with_retry_after(self) -> None:
        self.server.reset(fail(429, "usage_limit_exceeded", "Monthly limit reached", {"Retry-After": "3600"}))
        with self.assertRaises(UsageLimitExceededError) as caught:
            self.client().keys.create(name="x")
        self.assertIsInstance(caught.exception, RateLimitError)
        self.assertEqual(caught.exception.retry_after, 3600)


class RedirectTest(Base):
    def test_never_follows_a_redirect_with_the_key(self) -> None:
        self.server.reset(Reply(302, {}, {"Location": self.server.base_url + "/elsewhere"}), ok({"id": "key_1"}))
        with self.assertRaises(APIError) as caught:
            self.client().me()
        self.assertEqual(caught.exception.status, 302)
        self.assertEqual([s.path for s in self.server.seen], ["/v1/me"])


class RetryTest(Base):
    def test_retries_idempotent_requests_on_503_and_429_honouring_retry_after(self) -> None:
        self.server.reset(
            fail(503, "service_unavailable", "down"),
            fail(429, "rate_limited", "slow down", {"Retry-After": "2"}),
            ok({"id": "key_abc12345"}),
        )
        self.assertEqual(self.client().me().id, "key_abc12345")
        self.assertEqual(len(self.server.seen), 3)
        self.assertEqual(len(self.delays), 2)
        self.assertTrue(0.25 <= self.delays[0] <= 0.5, self.delays)  # jittered backoff
        self.assertEqual(self.delays[1], 2)  # what the server asked for

    def test_retries_delete_but_never_post_or_patch(self) -> None:
        self.server.reset(fail(503, "service_unavailable", "down"), ok({"id": "mcp_1"}))
        self.assertEqual(self.client().mcps.delete("mcp_1").id, "mcp_1")
        self.assertEqual([s.method for s in self.server.seen], ["DELETE", "DELETE"])

        self.server.reset(fail(503, "service_unavailable", "down"))
        with self.assertRaises(ServiceUnavailableError):
            self.client().keys.rotate("key_1")
        self.server.reset(fail(503, "service_unavailable", "down"))
        with self.assertRaises(ServiceUnavailableError):
            self.client().mcps.update("mcp_1", name="n")
        self.assertEqual(len(self.server.seen), 1)

    def test_gives_up_after_max_retries_and_does_not_retry_other_errors(self) -> None:
        self.server.reset(*[fail(429, "rate_limited", "slow", {"Retry-After": "0"}) for _ in range(4)])
        with self.assertRaises(RateLimitError):
            self.client(max_retries=2).me()
        self.assertEqual(len(self.server.seen), 3)

        self.server.reset(fail(401, "unauthorized", "Invalid or missing API key"), ok({}))
        with self.assertRaises(AuthenticationError):
            self.client().me()
        self.assertEqual(len(self.server.seen), 1)

    def test_retries_connection_errors_then_raises_a_typed_error(self) -> None:
        closed = ScriptedServer()
        url = closed.base_url
        closed.httpd.server_close()  # nothing listens there any more
        with self.assertRaises(APIConnectionError) as caught:
            self.client(base_url=url, max_retries=1).me()
        self.assertIn("Could not reach PlexMCP", str(caught.exception))
        self.assertEqual(len(self.delays), 1)


class PaginationTest(Base):
    def test_one_page_or_every_page(self) -> None:
        self.server.reset(ok([{"id": "key_1"}, {"id": "key_2"}], "cur2"))
        page = self.client().keys.list(limit=2)
        self.assertEqual([k.id for k in page.data], ["key_1", "key_2"])
        self.assertEqual(page.next_cursor, "cur2")
        self.assertEqual(self.server.seen[0].path, "/v1/keys?limit=2")

        self.server.reset(ok([{"id": "key_1"}, {"id": "key_2"}], "cur2"), ok([{"id": "key_3"}], None))
        self.assertEqual([k.id for k in self.client().keys.list(limit=2)], ["key_1", "key_2", "key_3"])
        self.assertEqual(self.server.seen[1].path, "/v1/keys?limit=2&cursor=cur2")

    def test_listing_is_lazy_and_filters_pass_through(self) -> None:
        page = self.client().alerts.list(status="open", key_id="key_1")
        self.assertEqual(self.server.seen, [])
        self.server.reset(ok([], None))
        self.assertEqual(list(page), [])
        self.assertEqual(self.server.seen[0].path, "/v1/alerts?status=open&key_id=key_1")


class ResourcesTest(Base):
    def test_routes_methods_and_bodies(self) -> None:
        c = self.client()
        calls = [
            (lambda: c.mcps.create(name="docs", upstream_url="https://mcp.example.com"), "POST", "/v1/mcps",
             {"name": "docs", "upstream_url": "https://mcp.example.com"}),
            (lambda: c.keys.create(name="ci", permissions={"mcps": ["mcp_1"]}, expires_in="30d"), "POST", "/v1/keys",
             {"name": "ci", "permissions": {"mcps": ["mcp_1"]}, "expires_in": "30d"}),
            (lambda: c.keys.update("key_1", rate_limit=None), "PATCH", "/v1/keys/key_1", {"rate_limit": None}),
            (lambda: c.keys.revoke("key_1"), "DELETE", "/v1/keys/key_1", None),
            (lambda: c.keys.rotate("key_1", grace_period="1h"), "POST", "/v1/keys/key_1/rotate", {"grace_period": "1h"}),
            (lambda: c.usage.get(from_="2026-01-01T00:00:00Z", granularity="day"), "GET",
             "/v1/usage?from=2026-01-01T00%3A00%3A00Z&granularity=day", None),
            (lambda: c.usage.for_key("key_1"), "GET", "/v1/keys/key_1/usage", None),
            (lambda: c.alerts.ack("alert_1"), "POST", "/v1/alerts/alert_1/ack", None),
            (lambda: c.webhooks.create(url="https://hooks.example.com"), "POST", "/v1/webhooks",
             {"url": "https://hooks.example.com"}),
            (lambda: c.webhooks.delete("wh_1"), "DELETE", "/v1/webhooks/wh_1", None),
            (lambda: c.webhooks.test("wh_1"), "POST", "/v1/webhooks/wh_1/test", None),
            (lambda: list(c.webhooks.deliveries("wh_1")), "GET", "/v1/webhooks/wh_1/deliveries", None),
            (lambda: list(c.audit.list(limit=5)), "GET", "/v1/audit?limit=5", None),
            (lambda: c.mcps.get("a/b"), "GET", "/v1/mcps/a%2Fb", None),
        ]
        for call, method, path, body in calls:
            self.server.reset(ok([], None))
            call()
            seen = self.server.seen[0]
            self.assertEqual((seen.method, seen.path), (method, path))
            self.assertEqual(seen.json() if seen.body else None, body, path)


class QuickstartExampleTest(Base):
    def test_the_readme_snippet_runs(self) -> None:
        self.server.reset(ok([{"id": "mcp_1", "name": "docs"}], "c2"), ok([{"id": "mcp_2", "name": "search"}], None))
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PLEXMCP_API_KEY": self.key,
            "PLEXMCP_BASE_URL": self.server.base_url,
            "PYTHONPATH": SDK_DIR,
        }
        script = os.path.join(SDK_DIR, "examples", "quickstart.py")
        result = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split("\n")[:2], ["mcp_1 docs", "mcp_2 search"])


if __name__ == "__main__":
    unittest.main()
