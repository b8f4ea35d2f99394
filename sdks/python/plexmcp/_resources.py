"""One class per API area; every method maps to one route of the public REST API (``/v1``)."""

from __future__ import annotations

import urllib.parse
from typing import Any, Dict, List, Optional, Union

from ._http import APIObject, HttpClient
from ._pagination import Page


def _seg(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


def _body(**fields: Any) -> Dict[str, Any]:
    """The JSON body: only the fields the caller gave (None means "not given")."""
    return {k: v for k, v in fields.items() if v is not None}


def _list(http: HttpClient, path: str, params: Dict[str, Any]) -> Page[APIObject]:
    start = params.pop("cursor", None)

    def fetch(cursor: Optional[str]) -> Dict[str, Any]:
        return http.request("GET", path, query={**params, "cursor": cursor or start})

    return Page(fetch)


class _Resource:
    def __init__(self, http: HttpClient) -> None:
        self._http = http


Permissions = Dict[str, Union[str, List[str]]]


class Keys(_Resource):
    def create(
        self,
        *,
        name: str,
        mode: Optional[str] = None,
        permissions: Optional[Permissions] = None,
        scopes: Optional[List[str]] = None,
        rate_limit: Optional[Dict[str, int]] = None,
        usage_limit: Optional[Dict[str, Any]] = None,
        expires_in: Optional[str] = None,
        expires_at: Optional[str] = None,
    ) -> APIObject:
        """Create a key; the result carries ``secret``, shown this one time only."""
        body = _body(
            name=name,
            mode=mode,
            permissions=permissions,
            scopes=scopes,
            rate_limit=rate_limit,
            usage_limit=usage_limit,
            expires_in=expires_in,
            expires_at=expires_at,
        )
        return self._http.request("POST", "/v1/keys", body=body)["data"]

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[APIObject]:
        return _list(self._http, "/v1/keys", {"limit": limit, "cursor": cursor})

    def get(self, key_id: str) -> APIObject:
        return self._http.request("GET", f"/v1/keys/{_seg(key_id)}")["data"]

    def update(self, key_id: str, **fields: Any) -> APIObject:
        """Update ``name``, ``permissions``, ``scopes``, ``rate_limit`` or ``usage_limit``
        (pass ``None`` explicitly inside a dict to clear a limit)."""
        return self._http.request("PATCH", f"/v1/keys/{_seg(key_id)}", body=fields)["data"]

    def revoke(self, key_id: str) -> APIObject:
        """Revoke a key; it stops working at once. Returns the revoked key."""
        return self._http.request("DELETE", f"/v1/keys/{_seg(key_id)}")["data"]

    def rotate(self, key_id: str, *, grace_period: Optional[str] = None) -> APIObject:
        """A new key with the same name and permissions (``secret`` shown once; ``previous`` is the
        old key, which keeps working for ``grace_period``: ``"0"``, ``"1h"``, ``"24h"`` or ``"7d"``)."""
        body = _body(grace_period=grace_period)
        return self._http.request("POST", f"/v1/keys/{_seg(key_id)}/rotate", body=body)["data"]


class Mcps(_Resource):
    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[APIObject]:
        """The MCPs this key may use."""
        return _list(self._http, "/v1/mcps", {"limit": limit, "cursor": cursor})

    def get(self, mcp_id: str) -> APIObject:
        return self._http.request("GET", f"/v1/mcps/{_seg(mcp_id)}")["data"]

    def create(
        self,
        *,
        name: str,
        upstream_url: str,
        mode: Optional[str] = None,
        upstream_headers: Optional[Dict[str, str]] = None,
    ) -> APIObject:
        body = _body(name=name, mode=mode, upstream_url=upstream_url, upstream_headers=upstream_headers)
        return self._http.request("POST", "/v1/mcps", body=body)["data"]

    def update(self, mcp_id: str, **fields: Any) -> APIObject:
        """Update ``name``, ``mode``, ``upstream_url`` or ``upstream_headers``."""
        return self._http.request("PATCH", f"/v1/mcps/{_seg(mcp_id)}", body=fields)["data"]

    def delete(self, mcp_id: str) -> APIObject:
        return self._http.request("DELETE", f"/v1/mcps/{_seg(mcp_id)}")["data"]

    def endpoint(self, mcp_id: str) -> str:
        """The MCP's Streamable HTTP endpoint on the gateway (send ``Authorization`` yourself)."""
        return self._http.url(f"/v1/mcps/{_seg(mcp_id)}/mcp")


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


class Usage(_Resource):
    def get(self, **query: Optional[str]) -> APIObject:
        """Organization-wide usage; keywords ``from_``, ``to``, ``granularity``, ``breakdown``."""
        return self._http.request("GET", "/v1/usage", query=_usage_query(**query))["data"]

    def for_key(self, key_id: str, **query: Optional[str]) -> APIObject:
        """One key's usage; the same keywords as ``get``."""
        path = f"/v1/keys/{_seg(key_id)}/usage"
        return self._http.request("GET", path, query=_usage_query(**query))["data"]


class Alerts(_Resource):
    def list(
        self,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        status: Optional[str] = None,
        key_id: Optional[str] = None,
        type: Optional[str] = None,
    ) -> Page[APIObject]:
        params = {"limit": limit, "cursor": cursor, "status": status, "key_id": key_id, "type": type}
        return _list(self._http, "/v1/alerts", params)

    def ack(self, alert_id: str) -> APIObject:
        return self._http.request("POST", f"/v1/alerts/{_seg(alert_id)}/ack")["data"]


class Webhooks(_Resource):
    def create(self, *, url: str, events: Optional[List[str]] = None) -> APIObject:
        """Register an endpoint; the result carries the signing ``secret`` (``whsec_…``) once."""
        return self._http.request("POST", "/v1/webhooks", body=_body(url=url, events=events))["data"]

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[APIObject]:
        return _list(self._http, "/v1/webhooks", {"limit": limit, "cursor": cursor})

    def delete(self, webhook_id: str) -> APIObject:
        return self._http.request("DELETE", f"/v1/webhooks/{_seg(webhook_id)}")["data"]

    def deliveries(
        self, webhook_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[APIObject]:
        path = f"/v1/webhooks/{_seg(webhook_id)}/deliveries"
        return _list(self._http, path, {"limit": limit, "cursor": cursor})

    def test(self, webhook_id: str) -> APIObject:
        """Send a test delivery now and return its record."""
        return self._http.request("POST", f"/v1/webhooks/{_seg(webhook_id)}/test")["data"]


class Audit(_Resource):
    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[APIObject]:
        return _list(self._http, "/v1/audit", {"limit": limit, "cursor": cursor})
