"""Typed errors, one class per wire error code. Messages come from the server's envelope and never
contain the API key."""

from __future__ import annotations

import email.utils
import time
from typing import Any, Dict, List, Mapping, Optional, Type


class PlexMCPError(Exception):
    """Base class of every error raised by this package."""


class ConfigurationError(PlexMCPError):
    """Bad client configuration (missing or malformed key, bad base URL); nothing was sent."""


class APIError(PlexMCPError):
    """The server answered with an error envelope (or an unexpected response)."""

    def __init__(
        self,
        status: int,
        body: Optional[Mapping[str, Any]],
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        body = body or {}
        self.headers: Dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.status: int = status
        self.code: str = str(body.get("code") or "unknown_error")
        self.message: str = str(body.get("message") or f"HTTP {status}")
        self.request_id: Optional[str] = body.get("request_id") or self.headers.get("x-request-id")
        details = body.get("details")
        self.details: Optional[List[Dict[str, Any]]] = details if isinstance(details, list) else None
        super().__init__(self.message)

    def __str__(self) -> str:
        suffix = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.status} {self.code}: {self.message}{suffix}"


class ValidationError(APIError):
    """400 validation_error; ``details`` lists the offending fields."""


class AuthenticationError(APIError):
    """401 unauthorized: missing, malformed, unknown, revoked or expired key."""


class PermissionDeniedError(APIError):
    """403 forbidden: the key lacks the MCP or scope, or the resource is out of its mode."""


class NotFoundError(APIError):
    """404 not_found."""


class ConflictError(APIError):
    """409 conflict."""


class PayloadTooLargeError(APIError):
    """413 payload_too_large."""


class RateLimitError(APIError):
    """429 rate_limited: retried (idempotent requests) after ``retry_after`` seconds."""

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds to wait before retrying, from ``Retry-After`` (None when absent or unreadable)."""
        return parse_retry_after(self.headers.get("retry-after"))


class UsageLimitExceededError(RateLimitError):
    """429 usage_limit_exceeded: the period's request budget is spent. Never retried: the wait
    (``retry_after``) runs until the period resets, hours or days away."""


class UpstreamError(APIError):
    """502 upstream_error: the MCP server behind the gateway failed."""


class UpstreamTimeoutError(UpstreamError):
    """504 upstream_timeout."""


class ServiceUnavailableError(APIError):
    """503 service_unavailable: a dependency of the gateway is briefly away."""


class InternalServerError(APIError):
    """500 internal_error (or any other 5xx)."""


class MCPError(PlexMCPError):
    """The MCP server answered a JSON-RPC error (e.g. -32602 invalid params, an unknown tool)."""

    def __init__(self, code: int, message: str, data: Any = None, status: Optional[int] = None) -> None:
        self.code: int = code
        self.message: str = message
        self.data: Any = data
        self.status: Optional[int] = status
        super().__init__(message)

    def __str__(self) -> str:
        return f"MCP error {self.code}: {self.message}"


class APIConnectionError(PlexMCPError):
    """The request never got an HTTP answer (network failure)."""


class APITimeoutError(APIConnectionError):
    """The request took longer than the client's timeout."""


_BY_CODE: Dict[str, Type[APIError]] = {
    "validation_error": ValidationError,
    "unauthorized": AuthenticationError,
    "forbidden": PermissionDeniedError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "payload_too_large": PayloadTooLargeError,
    "rate_limited": RateLimitError,
    "usage_limit_exceeded": UsageLimitExceededError,
    "upstream_error": UpstreamError,
    "upstream_timeout": UpstreamTimeoutError,
    "service_unavailable": ServiceUnavailableError,
    "internal_error": InternalServerError,
}

_BY_STATUS: Dict[int, Type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
    502: UpstreamError,
    503: ServiceUnavailableError,
    504: UpstreamTimeoutError,
}


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = max(0.0, when.timestamp() - time.time())
    return seconds if seconds >= 0 else None


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> APIError:
    """The typed error for an error response: by wire code first, then by HTTP status."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = None
    cls: Optional[Type[APIError]] = _BY_CODE.get(str(error.get("code"))) if error is not None else None
    cls = cls or _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIError
    return cls(status, error, headers)
