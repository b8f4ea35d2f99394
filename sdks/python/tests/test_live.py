"""Live tests against a running PlexMCP (skipped unless PLEXMCP_E2E=1).

Needs PLEXMCP_BASE_URL and an admin key in PLEXMCP_API_KEY (scopes mcps:write and keys:write);
PLEXMCP_E2E_UPSTREAM_URL optionally sets the upstream URL of the MCPs created (never called).
Everything created is removed again at the end.
"""

import os
import secrets
import subprocess
import sys
import unittest

from _support import SDK_DIR

from plexmcp import AuthenticationError, PermissionDeniedError, PlexMCP

LIVE = os.environ.get("PLEXMCP_E2E") == "1"


@unittest.skipUnless(LIVE, "live tests run with PLEXMCP_E2E=1, PLEXMCP_BASE_URL and an admin PLEXMCP_API_KEY")
class LiveTest(unittest.TestCase):
    admin: PlexMCP

    @classmethod
    def setUpClass(cls) -> None:
        cls.admin = PlexMCP()
        cls.mode = cls.admin.me().mode
        cls.upstream = os.environ.get("PLEXMCP_E2E_UPSTREAM_URL", "https://mcp.example.com/mcp")
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

    def create_mcp(self, name: str):
        mcp = self.admin.mcps.create(name=f"{self.tag}-{name}", mode=self.mode, upstream_url=self.upstream)
        self.mcps.append(mcp.id)
        return mcp

    def create_key(self, name: str, mcp_ids):
        key = self.admin.keys.create(
            name=f"{self.tag}-{name}", mode=self.mode, permissions={"mcps": mcp_ids}, expires_in="30d"
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


if __name__ == "__main__":
    unittest.main()
