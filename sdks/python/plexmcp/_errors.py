"""Typed errors, one class per wire error code. Messages come from the server's envelope and never
contain the API key."""

from __future__ import annotations

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
    """429 rate_limited."""

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds to wait before retrying, from ``Retry-After`` (None when absent)."""
        value = self.headers.get("retry-after")
        if value is None:
            return None
        try:
            seconds = float(value)
        except ValueError:
            return None
        return seconds if seconds >= 0 else None


class UsageLimitExceededError(RateLimitError):
    """429 usage_limit_exceeded: the period's request budget is spent."""


class UpstreamError(APIError):
    """502 upstream_error: the MCP server behind the gateway failed."""


class UpstreamTimeoutError(UpstreamError):
    """504 upstream_timeout."""


class ServiceUnavailableError(APIError):
    """503 service_unavailable: a dependency of the gateway is briefly away."""


class InternalServerError(APIError):
    """500 internal_error (or any other 5xx)."""


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


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> APIError:
    """The typed error for an error response: by wire code first, then by HTTP status."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = None
    cls = (error and _BY_CODE.get(str(error.get("code")))) or _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIError
    return cls(status, error, headers)
