"""The transport: HTTP over urllib, typed errors, deadlines, and retries for idempotent calls."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import IO, Any, Callable, Dict, Iterator, Mapping, Optional, TypeVar

from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MCPError,
    RateLimitError,
    ServiceUnavailableError,
    UsageLimitExceededError,
    error_from_response,
)

Query = Mapping[str, Any]
T = TypeVar("T")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_REQUEST_ERRORS = (APIError, APIConnectionError, MCPError)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The API never redirects; following one could carry the Authorization header elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class Response:
    """An open HTTP answer: status, lower-cased headers, and the body to read."""

    def __init__(self, status: int, headers: Dict[str, str], body: IO[bytes]) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def read_json(self) -> Any:
        return _parse(self.body.read())


class HttpClient:
    """Sends requests for one key. ``timeout`` bounds each attempt; a call's own ``timeout`` is a
    deadline for the whole call, retries and waits included."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: float,
        max_retries: int,
        max_retry_wait: float,
        user_agent: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
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

    def headers(self, **extra: str) -> Dict[str, str]:
        return {"Authorization": self.authorization, "User-Agent": self.user_agent, **extra}

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Query] = None,
        body: Any = None,
        max_retries: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> Dict[str, Any]:
        """Send one API request and return the success envelope (``data``, maybe ``pagination``)."""
        url = self.url(path, query)
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = self.headers(Accept="application/json")
        if data is not None:
            headers["Content-Type"] = "application/json"

        def attempt(attempt_timeout: float) -> Dict[str, Any]:
            with self.open(method, url, headers, data, attempt_timeout) as response:
                parsed = response.read_json()
            if response.status >= 400:
                raise error_from_response(response.status, parsed, response.headers)
            if not isinstance(parsed, dict) or parsed.get("success") is not True:
                raise APIError(response.status, {"message": "Unexpected response shape"}, response.headers)
            return parsed

        return self.retrying(method, attempt, max_retries=max_retries, timeout=timeout)

    def retrying(
        self,
        method: str,
        attempt: Callable[[float], T],
        *,
        max_retries: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> T:
        """Run ``attempt(seconds_allowed)`` until it succeeds, retrying per the policy below, and
        within ``timeout`` seconds overall when given."""
        deadline = None if timeout is None else time.monotonic() + timeout
        budget = (self.max_retries if max_retries is None else max_retries) if method in IDEMPOTENT else 0
        retries = 0
        while True:
            allowed = self.timeout
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise APITimeoutError(f"Request timed out after {timeout:g} s")
                allowed = min(allowed, left)
            try:
                return attempt(allowed)
            except _REQUEST_ERRORS as error:
                wait = self._retry_wait(retries, error) if retries < budget else None
                if wait is None or (deadline is not None and time.monotonic() + wait >= deadline):
                    raise
                self._sleep(wait)
                retries += 1

    def _retry_wait(self, retries: int, error: Exception) -> Optional[float]:
        """How long to wait before retrying after ``error``, or None to give up at once.

        A usage limit is never retried (its ``Retry-After`` is the period's reset). A rate limit
        waits exactly ``Retry-After`` when the server sends one, unless that is more than
        ``max_retry_wait``: waiting less would only be refused again, so the error is raised.
        A 503, a connection failure or a rate limit without ``Retry-After`` backs off
        exponentially with jitter.
        """
        if isinstance(error, UsageLimitExceededError):
            return None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_wait else None
        if not isinstance(error, (RateLimitError, ServiceUnavailableError, APIConnectionError)):
            return None
        base = min(0.5 * 2**retries, 8.0, self.max_retry_wait)
        return base / 2 + random.random() * (base / 2)

    @contextlib.contextmanager
    def open(
        self, method: str, url: str, headers: Mapping[str, str], data: Optional[bytes], timeout: float
    ) -> Iterator[Response]:
        """One HTTP exchange; network failures while sending or reading become typed errors."""
        request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
        try:
            try:
                raw = _opener.open(request, timeout=timeout)
            except urllib.error.HTTPError as error:
                raw = error  # a 4xx/5xx answer: still a response to read
            with contextlib.closing(raw):
                response_headers = {k.lower(): v for k, v in (raw.headers or {}).items()}
                yield Response(raw.getcode() or 0, response_headers, raw)
        except (socket.timeout, TimeoutError):
            raise APITimeoutError(f"Request timed out after {timeout:g} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (socket.timeout, TimeoutError)):
                raise APITimeoutError(f"Request timed out after {timeout:g} s") from None
            raise APIConnectionError(f"Could not reach PlexMCP at {self._origin()}: {error.reason}") from None
        except (ConnectionError, OSError) as error:
            raise APIConnectionError(f"Could not reach PlexMCP at {self._origin()}: {error}") from None

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
        return json.loads(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
