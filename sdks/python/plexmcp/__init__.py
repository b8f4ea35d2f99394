"""PlexMCP client for Python (standard library only).

>>> import os
>>> from plexmcp import PlexMCP
>>> client = PlexMCP(api_key=os.environ["PLEXMCP_API_KEY"])  # doctest: +SKIP
"""

from ._client import DEFAULT_BASE_URL, PlexMCP
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PlexMCPError,
    RateLimitError,
    ServiceUnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
    UsageLimitExceededError,
    ValidationError,
)
from ._http import APIObject
from ._keyformat import is_valid_api_key
from ._pagination import Page
from ._version import __version__
from ._webhooks import WebhookVerificationError, sign_webhook, verify_webhook

__all__ = [
    "DEFAULT_BASE_URL",
    "PlexMCP",
    "APIObject",
    "Page",
    "is_valid_api_key",
    "sign_webhook",
    "verify_webhook",
    "WebhookVerificationError",
    "PlexMCPError",
    "ConfigurationError",
    "APIError",
    "ValidationError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "PayloadTooLargeError",
    "RateLimitError",
    "UsageLimitExceededError",
    "UpstreamError",
    "UpstreamTimeoutError",
    "ServiceUnavailableError",
    "InternalServerError",
    "APIConnectionError",
    "APITimeoutError",
    "__version__",
]
