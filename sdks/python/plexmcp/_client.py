"""The PlexMCP client."""

from __future__ import annotations

import os
import time
import urllib.parse
from typing import Callable, Optional

from ._errors import ConfigurationError
from ._http import HttpClient
from ._keyformat import is_valid_api_key
from ._models import CurrentKey
from ._resources import Alerts, Audit, Keys, Mcps, UsageResource, Webhooks
from ._version import __version__

DEFAULT_BASE_URL = "http://localhost:3000"


class PlexMCP:
    """A client for the PlexMCP REST API.

    ``api_key`` defaults to the ``PLEXMCP_API_KEY`` environment variable and ``base_url`` to
    ``PLEXMCP_BASE_URL``, else ``http://localhost:3000``. The key is checked locally at
    construction: a missing or malformed key raises :class:`ConfigurationError` before anything
    is sent, and the key never appears in a message or ``repr``.

    ``timeout`` bounds each attempt, in seconds; every call also takes its own ``timeout=``, a
    deadline for the whole call. ``max_retries`` applies to idempotent requests (GET, DELETE)
    answered 429 ``rate_limited`` or 503, or failing to connect; other requests are never
    retried, and neither is 429 ``usage_limit_exceeded``. A ``Retry-After`` is waited exactly
    when it is at most ``max_retry_wait`` seconds; a longer one raises ``RateLimitError`` at once.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        *,
        base_url: Optional[str] = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        max_retry_wait: float = 60.0,
        _sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        key = (api_key if api_key is not None else os.environ.get("PLEXMCP_API_KEY", "")).strip()
        if not key:
            raise ConfigurationError(
                "No API key: pass api_key=... or set the PLEXMCP_API_KEY environment variable"
            )
        if not is_valid_api_key(key):
            raise ConfigurationError(
                "Malformed API key: expected pk_live_... or pk_test_... as shown once at creation "
                "(check for missing or extra characters)"
            )
        url = base_url if base_url is not None else os.environ.get("PLEXMCP_BASE_URL") or DEFAULT_BASE_URL
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f'Invalid base_url: expected an http(s) URL, got "{url}"')
        if max_retries < 0:
            raise ConfigurationError("max_retries must be 0 or more")
        if timeout <= 0 or max_retry_wait < 0:
            raise ConfigurationError("timeout must be more than 0 and max_retry_wait 0 or more")
        self._http = HttpClient(
            api_key=key,
            base_url=url,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            user_agent=f"plexmcp-sdk-python/{__version__}",
            sleep=_sleep,
        )
        self.keys = Keys(self._http)
        self.mcps = Mcps(self._http)
        self.usage = UsageResource(self._http)
        self.alerts = Alerts(self._http)
        self.webhooks = Webhooks(self._http)
        self.audit = Audit(self._http)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def me(self, *, timeout: Optional[float] = None) -> CurrentKey:
        """The calling key's own identity and policy (never the secret).

        Fields: id, object, organization_id, mode, prefix, last4, permissions, scopes,
        rate_limit, usage_limit, expires_at. Name, status and the other timestamps are not part
        of it: use ``keys.get(me.id)`` for those.
        """
        return CurrentKey.from_dict(self._http.request("GET", "/v1/me", timeout=timeout).get("data"))

    def __repr__(self) -> str:
        return f"PlexMCP(base_url={self.base_url!r})"
