"""Verifies captured webhook deliveries with the Python SDK's verify_webhook.

Usage: python3 verify_webhook.py CAPTURE.json, with the SDK on PYTHONPATH. CAPTURE.json is
{"secret": "whsec_...", "cases": [{"name": ..., "body": <raw body text>, "headers": {...}}]}.
Prints one line per case: "<name> accepted <payload type>" or "<name> rejected: <reason>".
"""

import json
import sys

from plexmcp import WebhookVerificationError, verify_webhook

with open(sys.argv[1], encoding="utf-8") as f:
    capture = json.load(f)

for case in capture["cases"]:
    try:
        payload = verify_webhook(case["body"].encode("utf-8"), case["headers"], capture["secret"])
        print(case["name"], "accepted", payload["type"])
    except WebhookVerificationError as error:
        print(f"{case['name']} rejected: {error}")
