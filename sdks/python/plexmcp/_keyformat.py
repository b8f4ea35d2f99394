"""Local API-key format check: ``pk_live_``/``pk_test_``, 32 base62 characters, then a 6-character
base62 CRC-32 of everything before it. Catches truncated or mistyped keys before any request."""

from __future__ import annotations

import zlib

BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_PREFIXES = ("pk_live_", "pk_test_")
PREFIX_LENGTH = 8
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
KEY_LENGTH = PREFIX_LENGTH + RANDOM_LENGTH + CHECKSUM_LENGTH

_BASE62 = frozenset(BASE62_ALPHABET)


def key_checksum(body: str) -> str:
    """Fixed-width base62 (most significant digit first) of the CRC-32 (IEEE) of ``body``."""
    value = zlib.crc32(body.encode("ascii")) & 0xFFFFFFFF
    digits = []
    for _ in range(CHECKSUM_LENGTH):
        value, digit = divmod(value, 62)
        digits.append(BASE62_ALPHABET[digit])
    return "".join(reversed(digits))


def is_valid_api_key(candidate: object) -> bool:
    """True when ``candidate`` has the prefix, length, alphabet and checksum of a PlexMCP key."""
    if not isinstance(candidate, str) or len(candidate) != KEY_LENGTH:
        return False
    if not candidate.startswith(KEY_PREFIXES):
        return False
    if any(ch not in _BASE62 for ch in candidate[PREFIX_LENGTH:]):
        return False
    split = KEY_LENGTH - CHECKSUM_LENGTH
    return key_checksum(candidate[:split]) == candidate[split:]
