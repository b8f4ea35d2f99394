"""Typed models of the API's JSON objects (the ``data`` of each answer).

Each is a dataclass built with ``from_dict``: fields the server adds later are ignored, a field it
leaves out reads as None, so an older SDK keeps working against a newer gateway. Timestamps stay
ISO 8601 strings as sent (``"2026-01-01T00:00:00.000Z"``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Type, TypedDict, TypeVar, Union

M = TypeVar("M", bound="Model")


class Permissions(TypedDict):
    """Which MCPs a key may use: ``{"mcps": "*"}`` (every MCP) or ``{"mcps": ["mcp_…", …]}``."""

    mcps: Union[Literal["*"], List[str]]


class RateLimit(TypedDict):
    """A token bucket: sustained requests per second and burst size."""

    requests_per_second: int
    burst: int


class UsageLimit(TypedDict):
    """At most ``requests`` MCP calls per ``"day"`` or ``"month"``."""

    requests: int
    period: Literal["day", "month"]


JsonObject = Dict[str, Any]


@dataclasses.dataclass
class Model:
    """Base of every model: built from a JSON object, back to one with ``to_dict``."""

    @classmethod
    def from_dict(cls: Type[M], data: Optional[Mapping[str, Any]]) -> M:
        data = data or {}
        converters = _CONVERTERS.get(cls, {})
        values: Dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            wire = _WIRE_NAMES.get(f.name, f.name)
            value = data.get(wire)
            convert = converters.get(f.name)
            values[f.name] = convert(value) if convert is not None and value is not None else value
        return cls(**values)

    def to_dict(self) -> JsonObject:
        """The JSON object again, with the API's field names."""
        return {_WIRE_NAMES.get(f.name, f.name): _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclasses.dataclass
class CurrentKey(Model):
    """What ``client.me()`` answers: the calling key's identity and policy (never the secret)."""

    id: str
    object: str
    organization_id: str
    mode: str
    prefix: str
    last4: str
    permissions: Permissions
    scopes: List[str]
    rate_limit: Optional[RateLimit]
    usage_limit: Optional[UsageLimit]
    expires_at: str


@dataclasses.dataclass
class APIKey(CurrentKey):
    """A key as shown to its organization: never the secret."""

    name: str
    status: str
    created_at: str
    revoked_at: Optional[str]
    last_used_at: Optional[str]
    rotated_to: Optional[str]
    #: Free-form string pairs (at most 20); ``keys.list`` filters on one with ``metadata="k:v"``.
    metadata: Optional[Dict[str, str]]
    #: At most 20 tags; ``keys.list`` filters on one with ``tag=…``.
    tags: Optional[List[str]]
    #: The key's own CIDRs, checked beside the organization's; None: any address.
    ip_allowlist: Optional[List[str]]


@dataclasses.dataclass
class CreatedKey(APIKey):
    """A new key with its ``secret``, shown this one time only."""

    secret: str

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"CreatedKey(id={self.id!r}, name={self.name!r}, prefix={self.prefix!r})"


@dataclasses.dataclass
class RotatedKey(APIKey):
    """The replacement key (``secret`` shown once) and the key it replaces (``previous``)."""

    secret: str
    previous: APIKey

    def __repr__(self) -> str:
        return f"RotatedKey(id={self.id!r}, name={self.name!r}, previous={self.previous.id!r})"


@dataclasses.dataclass
class MCP(Model):
    """A registered MCP server; upstream header values stay on the server."""

    id: str
    object: str
    organization_id: str
    name: str
    mode: str
    upstream_url: str
    upstream_header_names: List[str]
    created_at: str
    updated_at: str


@dataclasses.dataclass
class LatencyPercentiles(Model):
    p50: Optional[float]
    p95: Optional[float]
    p99: Optional[float]


@dataclasses.dataclass
class UsageBucket(Model):
    start: str
    requests: int
    billable_requests: int
    errors: int


@dataclasses.dataclass
class McpUsage(Model):
    mcp_id: Optional[str]
    requests: int


@dataclasses.dataclass
class CountryUsage(Model):
    country: Optional[str]
    requests: int


@dataclasses.dataclass
class Usage(Model):
    """A usage report. ``from_`` is the API's ``from`` (a Python keyword); ``errors`` and
    ``by_status_class`` are keyed by status class (``"4xx"``, ``"5xx"``, …)."""

    from_: str
    to: str
    granularity: str
    key_id: Optional[str]
    total_requests: int
    billable_requests: int
    errors: Dict[str, int]
    latency_ms: LatencyPercentiles
    series: List[UsageBucket]
    by_mcp: Optional[List[McpUsage]]
    by_status_class: Optional[Dict[str, int]]
    by_country: Optional[List[CountryUsage]]


@dataclasses.dataclass
class Alert(Model):
    """An anomaly raised for a key; ``details`` depends on ``type``."""

    id: str
    object: str
    organization_id: str
    key_id: str
    type: str
    status: str
    message: str
    details: JsonObject
    created_at: str
    acknowledged_at: Optional[str]


class AlertThresholds(TypedDict, total=False):
    """When ``error_spike`` and ``request_spike`` alerts are raised for an organization's keys.

    In ``AlertThresholdsView.thresholds`` every field is present; in an update, each field given
    overrides the default and ``None`` restores it.
    """

    error_min_requests: Optional[int]
    error_min_rate: Optional[float]
    error_baseline_factor: Optional[float]
    request_spike_factor: Optional[float]
    request_min_per_minute: Optional[int]
    request_min_baseline_minutes: Optional[int]


@dataclasses.dataclass
class AlertThresholdsView(Model):
    """The organization's thresholds: those in force (``thresholds``) and its own (``overrides``)."""

    object: str
    organization_id: str
    thresholds: AlertThresholds
    overrides: AlertThresholds


@dataclasses.dataclass
class Webhook(Model):
    """A registered alert webhook endpoint."""

    id: str
    object: str
    organization_id: str
    url: str
    description: Optional[str]
    events: List[str]
    status: str
    disabled_reason: Optional[str]
    created_at: str


@dataclasses.dataclass
class WebhookWithSecret(Webhook):
    """A new webhook with its ``whsec_…`` signing secret, shown once."""

    secret: str

    def __repr__(self) -> str:
        return f"WebhookWithSecret(id={self.id!r}, url={self.url!r})"


@dataclasses.dataclass
class WebhookAttempt(Model):
    attempt: int
    attempted_at: str
    status_code: Optional[int]
    error: Optional[str]
    duration_ms: int


@dataclasses.dataclass
class WebhookDelivery(Model):
    """One delivery (with every attempt) of an event to a webhook."""

    id: str
    object: str
    webhook_id: str
    message_id: str
    event_type: str
    status: str
    attempts: List[WebhookAttempt]
    next_attempt_at: Optional[str]
    created_at: str
    completed_at: Optional[str]


@dataclasses.dataclass
class AuditEntry(Model):
    """One entry of the organization's audit log."""

    id: str
    object: str
    organization_id: str
    actor_key_id: Optional[str]
    action: str
    target_type: str
    target_id: str
    ip: Optional[str]
    metadata: JsonObject
    created_at: str


# --- MCP (JSON-RPC) results ------------------------------------------------------------------


@dataclasses.dataclass
class Implementation(Model):
    """The name and version an MCP server reports at ``initialize``."""

    name: str
    version: str


@dataclasses.dataclass
class InitializeResult(Model):
    protocol_version: str
    capabilities: JsonObject
    server_info: Implementation
    instructions: Optional[str]


@dataclasses.dataclass
class Tool(Model):
    name: str
    title: Optional[str]
    description: Optional[str]
    input_schema: JsonObject
    output_schema: Optional[JsonObject]
    annotations: Optional[JsonObject]


@dataclasses.dataclass
class ListToolsResult(Model):
    tools: List[Tool]
    next_cursor: Optional[str]


@dataclasses.dataclass
class CallToolResult(Model):
    """``content`` is the list of content blocks as sent (``{"type": "text", "text": …}`` …);
    ``is_error`` is True when the tool itself failed (a JSON-RPC error raises instead)."""

    content: List[JsonObject]
    is_error: bool
    structured_content: Optional[JsonObject]

    def __post_init__(self) -> None:
        self.content = self.content or []
        self.is_error = bool(self.is_error)


def _list_of(model: Type[Model]) -> Callable[[Any], List[Any]]:
    return lambda items: [model.from_dict(item) for item in items]


_CONVERTERS: Dict[type, Dict[str, Callable[[Any], Any]]] = {
    RotatedKey: {"previous": APIKey.from_dict},
    Usage: {
        "latency_ms": LatencyPercentiles.from_dict,
        "series": _list_of(UsageBucket),
        "by_mcp": _list_of(McpUsage),
        "by_country": _list_of(CountryUsage),
    },
    WebhookDelivery: {"attempts": _list_of(WebhookAttempt)},
    InitializeResult: {"server_info": Implementation.from_dict},
    ListToolsResult: {"tools": _list_of(Tool)},
}

# Python names that differ from the wire's (a keyword, or MCP's camelCase).
_WIRE_NAMES: Dict[str, str] = {
    "from_": "from",
    "protocol_version": "protocolVersion",
    "server_info": "serverInfo",
    "input_schema": "inputSchema",
    "output_schema": "outputSchema",
    "next_cursor": "nextCursor",
    "is_error": "isError",
    "structured_content": "structuredContent",
}
