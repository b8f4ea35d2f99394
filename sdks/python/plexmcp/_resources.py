"""One class per API area; every method maps to one route of the public REST API (``/v1``).

Every method takes ``timeout=``: the most seconds the whole call may take, retries and waits
included (``APITimeoutError`` past it); without it each attempt is bounded by the client's
``timeout``.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Dict, List, Optional, Type, TypeVar

from ._http import HttpClient
from ._mcp import McpSession
from ._models import (
    MCP,
    Alert,
    AlertThresholds,
    AlertThresholdsView,
    APIKey,
    AuditEntry,
    CreatedKey,
    Model,
    Permissions,
    RateLimit,
    RotatedKey,
    Usage,
    UsageLimit,
    Webhook,
    WebhookDelivery,
    WebhookWithSecret,
)
from ._pagination import Page

M = TypeVar("M", bound=Model)


def _seg(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


def _body(**fields: Any) -> Dict[str, Any]:
    """The JSON body: only the fields the caller gave (None means "not given")."""
    return {k: v for k, v in fields.items() if v is not None}


class _Resource:
    def __init__(self, http: HttpClient) -> None:
        self._http = http

    def _one(
        self,
        model: Type[M],
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Optional[Dict[str, Any]] = None,
        timeout: Optional[float] = None,
    ) -> M:
        envelope = self._http.request(method, path, query=query, body=body, timeout=timeout)
        return model.from_dict(envelope.get("data"))

    def _list(self, model: Type[M], path: str, params: Dict[str, Any], timeout: Optional[float]) -> Page[M]:
        start = params.pop("cursor", None)

        def fetch(cursor: Optional[str]) -> Dict[str, Any]:
            return self._http.request("GET", path, query={**params, "cursor": cursor or start}, timeout=timeout)

        return Page(fetch, model.from_dict)


class Keys(_Resource):
    def create(
        self,
        *,
        name: str,
        mode: Optional[str] = None,
        permissions: Optional[Permissions] = None,
        scopes: Optional[List[str]] = None,
        rate_limit: Optional[RateLimit] = None,
        usage_limit: Optional[UsageLimit] = None,
        expires_in: Optional[str] = None,
        expires_at: Optional[str] = None,
        metadata: Optional[Dict[str, str]] = None,
        tags: Optional[List[str]] = None,
        ip_allowlist: Optional[List[str]] = None,
        timeout: Optional[float] = None,
    ) -> CreatedKey:
        """Create a key; the result carries ``secret``, shown this one time only. ``metadata`` (at
        most 20 string pairs) and ``tags`` label it; ``ip_allowlist`` (CIDRs) limits where it may
        be used from."""
        body = _body(
            name=name,
            mode=mode,
            permissions=permissions,
            scopes=scopes,
            rate_limit=rate_limit,
            usage_limit=usage_limit,
            expires_in=expires_in,
            expires_at=expires_at,
            metadata=metadata,
            tags=tags,
            ip_allowlist=ip_allowlist,
        )
        return self._one(CreatedKey, "POST", "/v1/keys", body=body, timeout=timeout)

    def list(
        self,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        tag: Optional[str] = None,
        metadata: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Page[APIKey]:
        """The organization's keys; ``tag="prod"`` keeps those with that tag,
        ``metadata="team:payments"`` those with that metadata pair."""
        params = {"limit": limit, "cursor": cursor, "tag": tag, "metadata": metadata}
        return self._list(APIKey, "/v1/keys", params, timeout)

    def get(self, key_id: str, *, timeout: Optional[float] = None) -> APIKey:
        return self._one(APIKey, "GET", f"/v1/keys/{_seg(key_id)}", timeout=timeout)

    def update(self, key_id: str, *, timeout: Optional[float] = None, **fields: Any) -> APIKey:
        """Update ``name``, ``permissions``, ``scopes``, ``rate_limit``, ``usage_limit``,
        ``metadata``, ``tags``, ``ip_allowlist``, ``status`` or ``expires_at`` (pass ``None`` to clear
        a limit or the allowlist)."""
        return self._one(APIKey, "PATCH", f"/v1/keys/{_seg(key_id)}", body=fields, timeout=timeout)

    def disable(self, key_id: str, *, timeout: Optional[float] = None) -> APIKey:
        """Disable a key: refused at once by every gateway until enabled again."""
        return self.update(key_id, status="disabled", timeout=timeout)

    def enable(self, key_id: str, *, timeout: Optional[float] = None) -> APIKey:
        """Enable a disabled key again (a revoked key cannot be: ``ConflictError``)."""
        return self.update(key_id, status="active", timeout=timeout)

    def revoke(self, key_id: str, *, timeout: Optional[float] = None) -> APIKey:
        """Revoke a key; it stops working at once. Returns the revoked key."""
        return self._one(APIKey, "DELETE", f"/v1/keys/{_seg(key_id)}", timeout=timeout)

    def rotate(
        self, key_id: str, *, grace_period: Optional[str] = None, timeout: Optional[float] = None
    ) -> RotatedKey:
        """A new key with the same name and permissions (``secret`` shown once; ``previous`` is the
        old key, which keeps working for ``grace_period``: ``"0"``, ``"1h"``, ``"24h"`` or ``"7d"``)."""
        body = _body(grace_period=grace_period)
        return self._one(RotatedKey, "POST", f"/v1/keys/{_seg(key_id)}/rotate", body=body, timeout=timeout)


class Mcps(_Resource):
    def list(
        self, *, limit: Optional[int] = None, cursor: Optional[str] = None, timeout: Optional[float] = None
    ) -> Page[MCP]:
        """The MCPs this key may use."""
        return self._list(MCP, "/v1/mcps", {"limit": limit, "cursor": cursor}, timeout)

    def get(self, mcp_id: str, *, timeout: Optional[float] = None) -> MCP:
        return self._one(MCP, "GET", f"/v1/mcps/{_seg(mcp_id)}", timeout=timeout)

    def create(
        self,
        *,
        name: str,
        upstream_url: str,
        mode: Optional[str] = None,
        upstream_headers: Optional[Dict[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> MCP:
        body = _body(name=name, mode=mode, upstream_url=upstream_url, upstream_headers=upstream_headers)
        return self._one(MCP, "POST", "/v1/mcps", body=body, timeout=timeout)

    def update(self, mcp_id: str, *, timeout: Optional[float] = None, **fields: Any) -> MCP:
        """Update ``name``, ``mode``, ``upstream_url`` or ``upstream_headers``."""
        return self._one(MCP, "PATCH", f"/v1/mcps/{_seg(mcp_id)}", body=fields, timeout=timeout)

    def delete(self, mcp_id: str, *, timeout: Optional[float] = None) -> MCP:
        return self._one(MCP, "DELETE", f"/v1/mcps/{_seg(mcp_id)}", timeout=timeout)

    def endpoint(self, mcp_id: str) -> str:
        """The MCP's Streamable HTTP endpoint on the gateway (send ``Authorization`` yourself)."""
        return self._http.url(f"/v1/mcps/{_seg(mcp_id)}/mcp")

    def connect(self, mcp_id: str, *, timeout: Optional[float] = None) -> McpSession:
        """An initialized MCP session whose requests go through the gateway with this key
        (``list_tools``, ``call_tool``, ``close``; usable as a context manager)."""
        session = McpSession(self._http, self.endpoint(mcp_id))
        session.initialize(timeout=timeout)
        return session


def _usage_query(
    *,
    from_: Optional[str] = None,
    to: Optional[str] = None,
    granularity: Optional[str] = None,
    breakdown: Optional[str] = None,
) -> Dict[str, Optional[str]]:
    """The query of a usage read (``from_`` because ``from`` is a Python keyword); any other
    keyword is a TypeError."""
    return {"from": from_, "to": to, "granularity": granularity, "breakdown": breakdown}


class UsageResource(_Resource):
    def get(self, *, timeout: Optional[float] = None, **query: Optional[str]) -> Usage:
        """Organization-wide usage; keywords ``from_``, ``to``, ``granularity``, ``breakdown``."""
        return self._one(Usage, "GET", "/v1/usage", query=_usage_query(**query), timeout=timeout)

    def for_key(self, key_id: str, *, timeout: Optional[float] = None, **query: Optional[str]) -> Usage:
        """One key's usage; the same keywords as ``get``."""
        path = f"/v1/keys/{_seg(key_id)}/usage"
        return self._one(Usage, "GET", path, query=_usage_query(**query), timeout=timeout)


class Alerts(_Resource):
    def list(
        self,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        status: Optional[str] = None,
        key_id: Optional[str] = None,
        type: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Page[Alert]:
        params = {"limit": limit, "cursor": cursor, "status": status, "key_id": key_id, "type": type}
        return self._list(Alert, "/v1/alerts", params, timeout)

    def ack(self, alert_id: str, *, timeout: Optional[float] = None) -> Alert:
        return self._one(Alert, "POST", f"/v1/alerts/{_seg(alert_id)}/ack", timeout=timeout)

    def thresholds(self, *, timeout: Optional[float] = None) -> AlertThresholdsView:
        """The organization's anomaly thresholds: those in force and its own overrides."""
        return self._one(AlertThresholdsView, "GET", "/v1/alerts/thresholds", timeout=timeout)

    def set_thresholds(
        self, thresholds: AlertThresholds, *, timeout: Optional[float] = None
    ) -> AlertThresholdsView:
        """Override thresholds (needs ``alerts:write``); a field set to ``None`` restores its default."""
        body = dict(thresholds)
        return self._one(AlertThresholdsView, "PUT", "/v1/alerts/thresholds", body=body, timeout=timeout)


class Webhooks(_Resource):
    def create(
        self, *, url: str, events: Optional[List[str]] = None, timeout: Optional[float] = None
    ) -> WebhookWithSecret:
        """Register an endpoint; the result carries the signing ``secret`` (``whsec_…``) once."""
        body = _body(url=url, events=events)
        return self._one(WebhookWithSecret, "POST", "/v1/webhooks", body=body, timeout=timeout)

    def list(
        self, *, limit: Optional[int] = None, cursor: Optional[str] = None, timeout: Optional[float] = None
    ) -> Page[Webhook]:
        return self._list(Webhook, "/v1/webhooks", {"limit": limit, "cursor": cursor}, timeout)

    def delete(self, webhook_id: str, *, timeout: Optional[float] = None) -> Webhook:
        return self._one(Webhook, "DELETE", f"/v1/webhooks/{_seg(webhook_id)}", timeout=timeout)

    def deliveries(
        self,
        webhook_id: str,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Page[WebhookDelivery]:
        path = f"/v1/webhooks/{_seg(webhook_id)}/deliveries"
        return self._list(WebhookDelivery, path, {"limit": limit, "cursor": cursor}, timeout)

    def test(self, webhook_id: str, *, timeout: Optional[float] = None) -> WebhookDelivery:
        """Send a test delivery now and return its record."""
        return self._one(WebhookDelivery, "POST", f"/v1/webhooks/{_seg(webhook_id)}/test", timeout=timeout)


class Audit(_Resource):
    def list(
        self, *, limit: Optional[int] = None, cursor: Optional[str] = None, timeout: Optional[float] = None
    ) -> Page[AuditEntry]:
        return self._list(AuditEntry, "/v1/audit", {"limit": limit, "cursor": cursor}, timeout)
