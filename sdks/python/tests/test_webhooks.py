import base64
import os
import unittest

from _support import load_vector

from plexmcp import WebhookVerificationError, sign_webhook, verify_webhook

VECTOR = load_vector("webhook-vector.json")
HEADERS = {
    "webhook-id": VECTOR["id"],
    "webhook-timestamp": str(VECTOR["timestamp"]),
    "webhook-signature": VECTOR["signature"],
}
NOW = VECTOR["timestamp"]


class SharedVectorTest(unittest.TestCase):
    def test_signs_the_vector_like_the_typescript_sdk(self) -> None:
        self.assertEqual(
            sign_webhook(VECTOR["secret"], VECTOR["id"], VECTOR["timestamp"], VECTOR["body"]), VECTOR["signature"]
        )

    def test_verifies_the_vector_from_text_or_raw_bytes(self) -> None:
        payload = verify_webhook(VECTOR["body"], HEADERS, VECTOR["secret"], now=NOW)
        self.assertEqual(payload["type"], "alert.new_location")
        self.assertEqual(payload["data"]["city"], "Willemstad, Curaçao — “test”")
        raw = VECTOR["body"].encode("utf-8")
        self.assertEqual(verify_webhook(raw, HEADERS, VECTOR["secret"], now=NOW), payload)

    def test_rejects_the_vector_altered(self) -> None:
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(VECTOR["body"].replace("CW", "CX"), HEADERS, VECTOR["secret"], now=NOW)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(VECTOR["body"], {**HEADERS, "webhook-id": "msg_other"}, VECTOR["secret"], now=NOW)


class VerifyWebhookTest(unittest.TestCase):
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    body = '{"type":"alert.error_spike","data":{}}'

    def headers(self, ts: int, signature: str = "") -> dict:
        return {
            "Webhook-Id": "msg_1",  # any capitalisation, as frameworks hand them over
            "Webhook-Timestamp": str(ts),
            "Webhook-Signature": signature or sign_webhook(self.secret, "msg_1", ts, self.body),
        }

    def test_accepts_any_matching_signature_among_several(self) -> None:
        signed = sign_webhook(self.secret, "msg_1", 1_700_000_000, self.body)
        headers = self.headers(1_700_000_000, f"v1,AAAA v2,xyz {signed}")
        self.assertEqual(verify_webhook(self.body, headers, self.secret, now=1_700_000_000)["type"], "alert.error_spike")

    def test_rejects_wrong_secret_stale_or_future_timestamp_and_missing_headers(self) -> None:
        other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        headers = self.headers(1_700_000_000)
        with self.assertRaisesRegex(WebhookVerificationError, "No matching"):
            verify_webhook(self.body, headers, other, now=1_700_000_000)
        with self.assertRaisesRegex(WebhookVerificationError, "tolerance"):
            verify_webhook(self.body, headers, self.secret, now=1_700_000_301)
        with self.assertRaisesRegex(WebhookVerificationError, "tolerance"):
            verify_webhook(self.body, headers, self.secret, now=1_699_999_000)
        # A wider window accepts the same delivery.
        verify_webhook(self.body, headers, self.secret, tolerance_seconds=3600, now=1_700_000_301)
        with self.assertRaisesRegex(WebhookVerificationError, "Missing"):
            verify_webhook(self.body, {"webhook-id": "msg_1"}, self.secret, now=1_700_000_000)
        with self.assertRaisesRegex(WebhookVerificationError, "timestamp"):
            verify_webhook(self.body, self.headers(1_700_000_000) | {"Webhook-Timestamp": "soon"}, self.secret)


if __name__ == "__main__":
    unittest.main()
