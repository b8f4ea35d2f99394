"""Standard Webhooks verification (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Mapping, Optional, Union

from ._errors import PlexMCPError


class WebhookVerificationError(PlexMCPError):
    """The delivery is not authentic (bad or missing signature) or is outside the time window."""


def _secret_bytes(secret: str) -> bytes:
    raw = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("Webhook secret is not valid base64 after whsec_") from None


def _as_bytes(body: Union[str, bytes, bytearray]) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _mac(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    message = f"{msg_id}.{timestamp}.".encode("utf-8") + body
    return hmac.new(key, message, hashlib.sha256).digest()


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: Union[str, bytes]) -> str:
    """``v1,<base64>``: the HMAC-SHA256 of ``id.timestamp.body`` under the ``whsec_`` secret."""
    mac = _mac(_secret_bytes(secret), msg_id, int(timestamp), _as_bytes(body))
    return "v1," + base64.b64encode(mac).decode("ascii")


def _header(headers: Mapping[str, Any], name: str) -> Optional[str]:
    getter = getattr(headers, "get", None)
    value = getter(name) if getter else None
    if value is None:
        for key, candidate in headers.items():
            if str(key).lower() == name:
                value = candidate
                break
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)


def verify_webhook(
    body: Union[str, bytes, bytearray],
    headers: Mapping[str, Any],
    secret: str,
    tolerance_seconds: float = 300,
    *,
    now: Optional[float] = None,
) -> Any:
    """Verify a delivery and return its parsed JSON payload.

    Pass the raw body exactly as received (bytes or text) and the request headers (any mapping;
    names are matched case-insensitively). Raises :class:`WebhookVerificationError` when headers
    are missing, the timestamp is more than ``tolerance_seconds`` away from ``now`` (default: the
    current time), or no ``v1`` signature matches. Signatures are compared in constant time.
    """
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise WebhookVerificationError("Missing webhook headers")
    try:
        ts = int(timestamp, 10)
    except ValueError:
        raise WebhookVerificationError("Invalid webhook-timestamp") from None
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_seconds:
        raise WebhookVerificationError("Webhook timestamp outside the tolerance window")
    raw = _as_bytes(body)
    expected = _mac(_secret_bytes(secret), msg_id, ts, raw)
    matched = False
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version != "v1" or not value:
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(given, expected):
            matched = True
    if not matched:
        raise WebhookVerificationError("No matching webhook signature")
    return json.loads(raw.decode("utf-8"))
