"""Live tests of the key controls against a running PlexMCP (skipped unless PLEXMCP_E2E=1).

Needs PLEXMCP_BASE_URL and an admin key of a fresh organization in PLEXMCP_API_KEY: the
thresholds test changes the organization's alert thresholds (and restores the defaults).
"""

import os
import secrets
import unittest

from plexmcp import AuthenticationError, ConflictError, PermissionDeniedError, PlexMCP

LIVE = os.environ.get("PLEXMCP_E2E") == "1"


@unittest.skipUnless(LIVE, "live tests run with PLEXMCP_E2E=1, PLEXMCP_BASE_URL and an admin PLEXMCP_API_KEY")
class LiveKeyControlsTest(unittest.TestCase):
    admin: PlexMCP

    @classmethod
    def setUpClass(cls) -> None:
        cls.admin = PlexMCP()
        cls.tag = "py-" + secrets.token_hex(4)

    def test_labels_filters_and_disable_enable(self) -> None:
        key = self.admin.keys.create(
            name=f"{self.tag}-labelled",
            metadata={"team": self.tag},
            tags=[self.tag, "prod"],
            ip_allowlist=["127.0.0.0/8", "::1/128"],
            expires_in="30d",
        )
        other = self.admin.keys.create(name=f"{self.tag}-plain", expires_in="30d")
        self.assertEqual(key.metadata, {"team": self.tag})
        self.assertEqual(key.tags, [self.tag, "prod"])
        self.assertEqual(key.ip_allowlist, ["127.0.0.0/8", "::1/128"])

        self.assertEqual([k.id for k in self.admin.keys.list(tag=self.tag)], [key.id])
        self.assertEqual([k.id for k in self.admin.keys.list(metadata=f"team:{self.tag}")], [key.id])
        self.assertNotIn(other.id, [k.id for k in self.admin.keys.list(tag="prod")])

        client = PlexMCP(api_key=key.secret)
        self.assertEqual(client.me().id, key.id)
        self.assertEqual(self.admin.keys.disable(key.id).status, "disabled")
        with self.assertRaises(AuthenticationError):
            client.me()
        self.assertEqual(self.admin.keys.enable(key.id).status, "active")
        self.assertEqual(client.me().id, key.id)

        updated = self.admin.keys.update(key.id, tags=["staging"], metadata={}, ip_allowlist=None)
        self.assertEqual((updated.tags, updated.metadata, updated.ip_allowlist), (["staging"], {}, None))
        self.assertEqual(list(self.admin.keys.list(tag=self.tag)), [])

        self.admin.keys.revoke(other.id)
        with self.assertRaises(ConflictError):
            self.admin.keys.enable(other.id)
        self.admin.keys.revoke(key.id)

    def test_alert_thresholds_round_trip(self) -> None:
        before = self.admin.alerts.thresholds()
        self.assertEqual(before.object, "alert_thresholds")
        after = self.admin.alerts.set_thresholds({"request_min_per_minute": 321, "error_min_rate": 0.4})
        self.assertEqual(after.overrides, {"request_min_per_minute": 321, "error_min_rate": 0.4})
        read = self.admin.alerts.thresholds()
        self.assertEqual(read.thresholds["request_min_per_minute"], 321)
        self.assertEqual(read.thresholds["error_min_rate"], 0.4)
        self.assertEqual(read.thresholds["error_min_requests"], before.thresholds["error_min_requests"])

        reader_key = self.admin.keys.create(name=f"{self.tag}-reader", scopes=["alerts:read"], expires_in="30d")
        reader = PlexMCP(api_key=reader_key.secret)
        self.assertEqual(reader.alerts.thresholds().overrides, read.overrides)
        with self.assertRaises(PermissionDeniedError):
            reader.alerts.set_thresholds({"request_min_per_minute": 1})
        self.admin.keys.revoke(reader_key.id)

        restored = self.admin.alerts.set_thresholds({"request_min_per_minute": None, "error_min_rate": None})
        self.assertEqual(restored.overrides, {})
        self.assertEqual(restored.thresholds, before.thresholds)


if __name__ == "__main__":
    unittest.main()
