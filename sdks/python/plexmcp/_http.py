"""The transport: one JSON request over urllib, typed errors, and retries for idempotent calls."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Mapping, Optional

from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    RateLimitError,
    ServiceUnavailableError,
    error_from_response,
)

Query = Mapping[str, Any]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_REQUEST_ERRORS = (APIError, APIConnectionError)


class APIObject(dict):
    """A JSON object from the API: a dict whose keys also read as attributes (``mcp.id``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The API never redirects; following one could carry the Authorization header elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _retryable(error: Exception) -> bool:
    """The server asked us to wait, or a dependency (or the network) was briefly away."""
    return isinstance(error, (RateLimitError, ServiceUnavailableError, APIConnectionError))


def _backoff_seconds(attempt: int, error: Exception) -> float:
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        return min(error.retry_after, 60.0)
    base = min(0.5 * 2**attempt, 8.0)
    return base / 2 + random.random() * (base / 2)


class HttpClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: float,
        max_retries: int,
        user_agent: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.user_agent = user_agent
        self._sleep = sleep

    def __repr__(self) -> str:  # never show the key
        return f"HttpClient(base_url={self.base_url!r})"

    @property
    def authorization(self) -> str:
        return f"Bearer {self._api_key}"

    def url(self, path: str, query: Optional[Query] = None) -> str:
        url = self.base_url + path
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        return f"{url}?{urllib.parse.urlencode(params)}" if params else url

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Query] = None,
        body: Any = None,
        max_retries: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Send one request and return the success envelope (``data`` and maybe ``pagination``)."""
        budget = (self.max_retries if max_retries is None else max_retries) if method in IDEMPOTENT else 0
        attempt = 0
        while True:
            try:
                return self._once(method, path, query, body)
            except _REQUEST_ERRORS as error:
                if attempt >= budget or not _retryable(error):
                    raise
                self._sleep(_backoff_seconds(attempt, error))
                attempt += 1

    def _once(self, method: str, path: str, query: Optional[Query], body: Any) -> Dict[str, Any]:
        headers = {
            "Authorization": self.authorization,
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url(path, query), data=data, headers=headers, method=method)
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                status = response.status
                response_headers = dict(response.headers.items())
                text = response.read()
        except urllib.error.HTTPError as error:
            status = error.code
            response_headers = dict(error.headers.items()) if error.headers else {}
            try:
                text = error.read()
            finally:
                error.close()
        except (socket.timeout, TimeoutError):
            raise APITimeoutError(f"Request timed out after {self.timeout:g} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (socket.timeout, TimeoutError)):
                raise APITimeoutError(f"Request timed out after {self.timeout:g} s") from None
            raise APIConnectionError(f"Could not reach PlexMCP at {self._origin()}: {error.reason}") from None
        except (ConnectionError, OSError) as error:
            raise APIConnectionError(f"Could not reach PlexMCP at {self._origin()}: {error}") from None

        parsed = _parse(text)
        if status >= 400:
            raise error_from_response(status, parsed, response_headers)
        if not isinstance(parsed, dict) or parsed.get("success") is not True:
            raise APIError(status, {"message": "Unexpected response shape"}, response_headers)
        return parsed

    def _origin(self) -> str:
        parts = urllib.parse.urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"



def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse(text: bytes) -> Any:
    if not text:
        return None
    try:
        return json.loads(text.decode("utf-8"), object_hook=APIObject)
    except (ValueError, UnicodeDecodeError):
        return None
