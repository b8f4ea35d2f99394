"""Live tests against a running PlexMCP (skipped unless PLEXMCP_E2E=1).

Needs PLEXMCP_BASE_URL and an admin key in PLEXMCP_API_KEY (scopes mcps:write and keys:write),
and PLEXMCP_E2E_UPSTREAM_URL, a real MCP server with an `echo` tool that the gateway can reach
(tooling/upstream-mcp). The timeout test registers an upstream on this machine's 127.0.0.1 that
never answers, so the gateway must be allowed loopback upstreams and run on this machine.
Everything created is removed again at the end.
"""

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import unittest

from _support import SDK_DIR

from plexmcp import (
    APITimeoutError,
    AuthenticationError,
    PermissionDeniedError,
    PlexMCP,
    RateLimitError,
    UsageLimitExceededError,
)

LIVE = os.environ.get("PLEXMCP_E2E") == "1"


@unittest.skipUnless(LIVE, "live tests run with PLEXMCP_E2E=1, PLEXMCP_BASE_URL and an admin PLEXMCP_API_KEY")
class LiveTest(unittest.TestCase):
    admin: PlexMCP

    @classmethod
    def setUpClass(cls) -> None:
        cls.admin = PlexMCP()
        cls.mode = cls.admin.me().mode
        cls.upstream = os.environ.get("PLEXMCP_E2E_UPSTREAM_URL", "")
        if not cls.upstream:
            raise unittest.SkipTest("set PLEXMCP_E2E_UPSTREAM_URL to a reachable MCP server with an echo tool")
        cls.tag = "sdk-python-" + secrets.token_hex(4)

    def setUp(self) -> None:
        self.mcps = []
        self.keys = []

    def tearDown(self) -> None:
        for key_id in self.keys:
            try:
                self.admin.keys.revoke(key_id)
            except Exception:  # already revoked or rotated away
                pass
        for mcp_id in self.mcps:
            try:
                self.admin.mcps.delete(mcp_id)
            except Exception:
                pass

    def create_mcp(self, name: str, upstream_url: str = ""):
        upstream = upstream_url or self.upstream
        mcp = self.admin.mcps.create(name=f"{self.tag}-{name}", mode=self.mode, upstream_url=upstream)
        self.mcps.append(mcp.id)
        return mcp

    def create_key(self, name: str, mcp_ids, **policy):
        key = self.admin.keys.create(
            name=f"{self.tag}-{name}", mode=self.mode, permissions={"mcps": mcp_ids}, expires_in="30d", **policy
        )
        self.keys.append(key.id)
        return key

    def test_scoped_key_sees_only_its_mcps_and_gets_typed_errors(self) -> None:
        allowed = self.create_mcp("allowed")
        other = self.create_mcp("other")
        key = self.create_key("scoped", [allowed.id])
        scoped = PlexMCP(api_key=key.secret)

        self.assertEqual(scoped.me().id, key.id)
        self.assertEqual([m.id for m in scoped.mcps.list()], [allowed.id])
        self.assertEqual(scoped.mcps.get(allowed.id).name, allowed.name)

        with self.assertRaises(PermissionDeniedError) as forbidden:
            scoped.mcps.get(other.id)
        self.assertEqual((forbidden.exception.status, forbidden.exception.code), (403, "forbidden"))
        self.assertEqual(forbidden.exception.message, "API key does not have permission for this resource")
        self.assertTrue(forbidden.exception.request_id)

        revoked = self.admin.keys.revoke(key.id)
        self.assertEqual(revoked.id, key.id)
        with self.assertRaises(AuthenticationError) as unauthorized:
            scoped.me()
        self.assertEqual((unauthorized.exception.status, unauthorized.exception.code), (401, "unauthorized"))
        self.assertTrue(unauthorized.exception.request_id)

    def test_rotated_key_works_and_the_old_one_stops(self) -> None:
        mcp = self.create_mcp("rotate")
        key = self.create_key("rotate", [mcp.id])
        rotated = self.admin.keys.rotate(key.id, grace_period="0")
        self.keys.append(rotated.id)
        self.assertNotEqual(rotated.secret, key.secret)
        self.assertEqual(rotated.name, key.name)

        fresh = PlexMCP(api_key=rotated.secret)
        self.assertEqual(fresh.mcps.get(mcp.id).id, mcp.id)
        with self.assertRaises(AuthenticationError):
            PlexMCP(api_key=key.secret).me()

    def test_the_readme_quickstart_lists_mcps(self) -> None:
        mcp = self.create_mcp("quickstart")
        env = {**os.environ, "PYTHONPATH": SDK_DIR}
        script = os.path.join(SDK_DIR, "examples", "quickstart.py")
        result = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"{mcp.id} {mcp.name}", result.stdout.splitlines())


    def test_calls_an_mcp_through_the_gateway_and_a_key_without_it_is_refused(self) -> None:
        mcp = self.create_mcp("echo")
        other = self.create_mcp("other")
        allowed = PlexMCP(api_key=self.create_key("mcp", [mcp.id]).secret)
        with allowed.mcps.connect(mcp.id, timeout=30) as session:
            self.assertTrue(session.session_id)
            self.assertEqual(session.server.server_info.name, "upstream-weather")
            self.assertEqual([t.name for t in session.list_tools(timeout=30).tools], ["echo"])
            result = session.call_tool("echo", {"text": "through the gateway"}, timeout=30)
            self.assertEqual(result.content, [{"type": "text", "text": "echo: through the gateway"}])
            self.assertFalse(result.is_error)

        outsider = PlexMCP(api_key=self.create_key("outsider", [other.id]).secret)
        with self.assertRaises(PermissionDeniedError) as refused:
            outsider.mcps.connect(mcp.id, timeout=30)
        self.assertEqual((refused.exception.status, refused.exception.code), (403, "forbidden"))
        self.assertTrue(refused.exception.request_id)

    def test_a_usage_limit_fails_fast_and_is_never_retried(self) -> None:
        mcp = self.create_mcp("limited")
        key = self.create_key("limited", [mcp.id], usage_limit={"requests": 5, "period": "day"})
        # Retries allowed and any wait accepted: only the policy keeps a usage limit from waiting
        # until the day resets.
        client = PlexMCP(api_key=key.secret, max_retries=5, max_retry_wait=40 * 86400)
        session = client.mcps.connect(mcp.id, timeout=30)  # 2 requests of the 5
        deadline = time.monotonic() + 30
        while True:  # the usage-service announces the block shortly after the 5th request
            try:
                session.call_tool("echo", {"text": "count me"}, timeout=30)
            except UsageLimitExceededError:
                break
            self.assertLess(time.monotonic(), deadline, "the key was never blocked by its usage limit")
            time.sleep(0.1)

        blocked = raised_within(2.0, lambda: session.call_tool("echo", {"text": "over the limit"}))
        self.assertIsInstance(blocked, UsageLimitExceededError)
        self.assertEqual((blocked.status, blocked.code), (429, "usage_limit_exceeded"))
        self.assertGreater(blocked.retry_after, 0)
        # Ending the session is a DELETE, idempotent and so retryable: still refused at once.
        self.assertIsInstance(raised_within(2.0, session.close), UsageLimitExceededError)
        # Management routes are never blocked by a usage limit.
        self.assertEqual(client.me(timeout=10).id, key.id)

    def test_retry_after_is_honoured_up_to_the_cap(self) -> None:
        key = self.create_key("rate", [], rate_limit={"requests_per_second": 1, "burst": 1})
        strict = PlexMCP(api_key=key.secret, max_retries=0)

        def exhaust() -> float:
            for _ in range(5):
                try:
                    strict.me(timeout=10)
                except RateLimitError as error:
                    self.assertEqual(error.code, "rate_limited")
                    return error.retry_after
            self.fail("a 1-per-second key was never rate limited")

        # A Retry-After over the cap raises at once instead of waiting. (Each scenario is tried
        # again if the one-second window happened to roll over between exhausting it and the call.)
        capped = PlexMCP(api_key=key.secret, max_retries=3, max_retry_wait=0.5)
        for _ in range(3):
            self.assertGreaterEqual(exhaust(), 1)
            started = time.monotonic()
            try:
                capped.me(timeout=10)
            except RateLimitError as caught:
                self.assertLess(time.monotonic() - started, 0.5)
                self.assertGreaterEqual(caught.retry_after, 1)
                break
        else:
            self.fail("the capped call was never refused")

        # Within the cap, the wait is what the server asked for, and then the call succeeds.
        patient = PlexMCP(api_key=key.secret, max_retries=3, max_retry_wait=5)
        for _ in range(3):
            retry_after = exhaust()
            started = time.monotonic()
            self.assertEqual(patient.me(timeout=10).id, key.id)
            elapsed = time.monotonic() - started
            if elapsed >= 0.1:  # it was refused, then waited
                self.assertGreaterEqual(elapsed, retry_after - 0.05)
                break
        else:
            self.fail("the patient call was never refused")

    def test_a_call_times_out_when_the_upstream_never_answers(self) -> None:
        with Tarpit() as tarpit:
            mcp = self.create_mcp("tarpit", tarpit.url)
            client = PlexMCP(api_key=self.create_key("tarpit", [mcp.id]).secret, max_retries=3)
            started = time.monotonic()
            with self.assertRaises(APITimeoutError):
                client.mcps.connect(mcp.id, timeout=0.5)
            elapsed = time.monotonic() - started
            self.assertTrue(0.45 <= elapsed < 3, elapsed)
            self.assertGreaterEqual(tarpit.accepted, 1)  # the gateway did forward it


def raised_within(seconds: float, call):
    """The exception ``call()`` raised, failing if it took longer than ``seconds`` (it may be
    waiting for a Retry-After of hours: it is left behind in a daemon thread)."""
    outcome = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except Exception as error:  # noqa: BLE001 - the caller checks the type
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        raise AssertionError(f"still waiting after {seconds} s")
    return outcome[0]


class Tarpit:
    """An HTTP upstream on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.closed = False
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/mcp"
        self.accepted = 0
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def __enter__(self) -> "Tarpit":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.closed = True
        self.thread.join()
        self.sock.close()
        for conn in self.held:
            conn.close()


if __name__ == "__main__":
    unittest.main()
