package plexmcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Permissions says which MCPs a key may use: every MCP (`{"mcps":"*"}`, All) or only the listed
// ones (`{"mcps":["mcp_123"]}`).
type Permissions struct {
	All  bool
	MCPs []string
}

// AllMCPs grants every current and future MCP.
func AllMCPs() Permissions { return Permissions{All: true} }

// OnlyMCPs grants only the given MCPs.
func OnlyMCPs(ids ...string) Permissions { return Permissions{MCPs: append([]string{}, ids...)} }

// MarshalJSON writes `{"mcps":"*"}` or `{"mcps":[...]}`.
func (p Permissions) MarshalJSON() ([]byte, error) {
	if p.All {
		return []byte(`{"mcps":"*"}`), nil
	}
	ids := p.MCPs
	if ids == nil {
		ids = []string{}
	}
	return json.Marshal(struct {
		MCPs []string `json:"mcps"`
	}{ids})
}

// UnmarshalJSON reads `{"mcps":"*"}` or `{"mcps":[...]}`.
func (p *Permissions) UnmarshalJSON(data []byte) error {
	var raw struct {
		MCPs json.RawMessage `json:"mcps"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if bytes.Equal(bytes.TrimSpace(raw.MCPs), []byte(`"*"`)) {
		*p = Permissions{All: true}
		return nil
	}
	var ids []string
	if err := json.Unmarshal(raw.MCPs, &ids); err != nil {
		return fmt.Errorf("plexmcp: permissions.mcps is neither \"*\" nor a list: %w", err)
	}
	*p = Permissions{MCPs: ids}
	return nil
}

// RateLimit is a token bucket: sustained requests per second and burst size.
type RateLimit struct {
	RequestsPerSecond int `json:"requests_per_second"`
	Burst             int `json:"burst"`
}

// UsageLimit caps requests per "day" or "month".
type UsageLimit struct {
	Requests int64  `json:"requests"`
	Period   string `json:"period"`
}

// APIKey is a key as shown to its organization: never the secret.
type APIKey struct {
	ID             string      `json:"id"`
	Object         string      `json:"object"`
	OrganizationID string      `json:"organization_id"`
	Name           string      `json:"name"`
	Mode           string      `json:"mode"`
	Prefix         string      `json:"prefix"`
	Last4          string      `json:"last4"`
	Permissions    Permissions `json:"permissions"`
	Scopes         []string    `json:"scopes"`
	RateLimit      *RateLimit  `json:"rate_limit"`
	UsageLimit     *UsageLimit `json:"usage_limit"`
	Status         string      `json:"status"`
	ExpiresAt      time.Time   `json:"expires_at"`
	CreatedAt      time.Time   `json:"created_at"`
	RevokedAt      *time.Time  `json:"revoked_at"`
	LastUsedAt     *time.Time  `json:"last_used_at"`
	RotatedTo      *string     `json:"rotated_to"`
	// Metadata holds free-form string pairs (at most 20); Tags at most 20 tags.
	Metadata map[string]string `json:"metadata,omitempty"`
	Tags     []string          `json:"tags,omitempty"`
	// IPAllowlist is the key's own CIDRs, checked beside the organization's; nil: any address.
	IPAllowlist []string `json:"ip_allowlist,omitempty"`
}

// CreatedKey is a new key with its secret, shown this one time only.
type CreatedKey struct {
	APIKey
	Secret string `json:"secret"`
}

// RotatedKey is the replacement key (with its secret, shown once) and the key it replaces.
type RotatedKey struct {
	APIKey
	Secret   string `json:"secret"`
	Previous APIKey `json:"previous"`
}

// CreateKeyParams is the body of Keys.Create. Zero fields are left to the server's defaults
// (mode live, every MCP, no scopes, 90-day expiry).
type CreateKeyParams struct {
	Name        string       `json:"name"`
	Mode        string       `json:"mode,omitempty"`
	Permissions *Permissions `json:"permissions,omitempty"`
	Scopes      []string     `json:"scopes,omitempty"`
	RateLimit   *RateLimit   `json:"rate_limit,omitempty"`
	UsageLimit  *UsageLimit  `json:"usage_limit,omitempty"`
	// ExpiresIn is "30d", "90d" or "365d"; give it or ExpiresAt, not both.
	ExpiresIn string     `json:"expires_in,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Metadata (at most 20 pairs), Tags (at most 20) and the key's own IP allowlist (CIDRs).
	Metadata    map[string]string `json:"metadata,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	IPAllowlist []string          `json:"ip_allowlist,omitempty"`
}

// UpdateKeyParams is the body of Keys.Update: nil fields are left unchanged.
type UpdateKeyParams struct {
	Name        *string
	Permissions *Permissions
	Scopes      *[]string
	RateLimit   *RateLimit
	UsageLimit  *UsageLimit
	// ClearRateLimit and ClearUsageLimit remove the limit (sent as null).
	ClearRateLimit  bool
	ClearUsageLimit bool
	// Metadata and Tags replace the key's labels (an empty map or slice removes them all).
	Metadata *map[string]string
	Tags     *[]string
	// IPAllowlist replaces the key's own CIDRs; ClearIPAllowlist removes them (any address).
	IPAllowlist      *[]string
	ClearIPAllowlist bool
	// Status is "disabled" (refused at once until enabled) or "active"; see Keys.Disable/Enable.
	Status *string
}

// MarshalJSON sends only the fields set, and null for a cleared limit.
func (p UpdateKeyParams) MarshalJSON() ([]byte, error) {
	body := map[string]interface{}{}
	if p.Name != nil {
		body["name"] = *p.Name
	}
	if p.Permissions != nil {
		body["permissions"] = *p.Permissions
	}
	if p.Scopes != nil {
		body["scopes"] = *p.Scopes
	}
	if p.RateLimit != nil {
		body["rate_limit"] = p.RateLimit
	} else if p.ClearRateLimit {
		body["rate_limit"] = nil
	}
	if p.UsageLimit != nil {
		body["usage_limit"] = p.UsageLimit
	} else if p.ClearUsageLimit {
		body["usage_limit"] = nil
	}
	if p.Metadata != nil {
		body["metadata"] = *p.Metadata
	}
	if p.Tags != nil {
		body["tags"] = *p.Tags
	}
	if p.IPAllowlist != nil {
		body["ip_allowlist"] = *p.IPAllowlist
	} else if p.ClearIPAllowlist {
		body["ip_allowlist"] = nil
	}
	if p.Status != nil {
		body["status"] = *p.Status
	}
	return json.Marshal(body)
}

// RotateKeyParams is the body of Keys.Rotate.
type RotateKeyParams struct {
	// GracePeriod keeps the old key working for "0" (default), "1h", "24h" or "7d".
	GracePeriod string `json:"grace_period,omitempty"`
}

// MCP is a registered MCP server. Upstream header values stay on the server.
type MCP struct {
	ID                  string    `json:"id"`
	Object              string    `json:"object"`
	OrganizationID      string    `json:"organization_id"`
	Name                string    `json:"name"`
	Mode                string    `json:"mode"`
	UpstreamURL         string    `json:"upstream_url"`
	UpstreamHeaderNames []string  `json:"upstream_header_names"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// CreateMCPParams is the body of MCPs.Create.
type CreateMCPParams struct {
	Name            string            `json:"name"`
	Mode            string            `json:"mode,omitempty"`
	UpstreamURL     string            `json:"upstream_url"`
	UpstreamHeaders map[string]string `json:"upstream_headers,omitempty"`
}

// UpdateMCPParams is the body of MCPs.Update: nil fields are left unchanged.
type UpdateMCPParams struct {
	Name            *string           `json:"name,omitempty"`
	Mode            *string           `json:"mode,omitempty"`
	UpstreamURL     *string           `json:"upstream_url,omitempty"`
	UpstreamHeaders map[string]string `json:"upstream_headers,omitempty"`
}

// ListParams pages through a list: Limit items per page, starting after Cursor.
type ListParams struct {
	Limit  int
	Cursor string
}

// UsageParams selects the range and shape of a usage answer.
type UsageParams struct {
	From, To time.Time
	// Granularity is "minute", "hour" (default) or "day".
	Granularity string
	// Breakdown is a comma-separated list of "mcp", "status_class", "country".
	Breakdown string
}

// Usage is a usage report.
type Usage struct {
	From             time.Time `json:"from"`
	To               time.Time `json:"to"`
	Granularity      string    `json:"granularity"`
	KeyID            *string   `json:"key_id"`
	TotalRequests    int64     `json:"total_requests"`
	BillableRequests int64     `json:"billable_requests"`
	Errors           struct {
		Client int64 `json:"4xx"`
		Server int64 `json:"5xx"`
	} `json:"errors"`
	LatencyMs struct {
		P50 *float64 `json:"p50"`
		P95 *float64 `json:"p95"`
		P99 *float64 `json:"p99"`
	} `json:"latency_ms"`
	Series []struct {
		Start            time.Time `json:"start"`
		Requests         int64     `json:"requests"`
		BillableRequests int64     `json:"billable_requests"`
		Errors           int64     `json:"errors"`
	} `json:"series"`
	ByMCP []struct {
		MCPID    *string `json:"mcp_id"`
		Requests int64   `json:"requests"`
	} `json:"by_mcp,omitempty"`
	ByStatusClass map[string]int64 `json:"by_status_class,omitempty"`
	ByCountry     []struct {
		Country  *string `json:"country"`
		Requests int64   `json:"requests"`
	} `json:"by_country,omitempty"`
}

// Alert is an anomaly raised for a key.
type Alert struct {
	ID             string                 `json:"id"`
	Type           string                 `json:"type"`
	KeyID          string                 `json:"key_id"`
	Status         string                 `json:"status"`
	Details        map[string]interface{} `json:"details"`
	CreatedAt      time.Time              `json:"created_at"`
	AcknowledgedAt *time.Time             `json:"acknowledged_at"`
}

// KeyListParams narrows Keys.ListFiltered: Tag keeps keys with that tag, Metadata ("key:value")
// keys with that metadata pair.
type KeyListParams struct {
	ListParams
	Tag      string
	Metadata string
}

// AlertThresholds says when error_spike and request_spike alerts are raised for an
// organization's keys.
type AlertThresholds struct {
	ErrorMinRequests          int     `json:"error_min_requests"`
	ErrorMinRate              float64 `json:"error_min_rate"`
	ErrorBaselineFactor       float64 `json:"error_baseline_factor"`
	RequestSpikeFactor        float64 `json:"request_spike_factor"`
	RequestMinPerMinute       int     `json:"request_min_per_minute"`
	RequestMinBaselineMinutes int     `json:"request_min_baseline_minutes"`
}

// AlertThresholdOverrides are some thresholds: an organization's own (nil: the default applies).
type AlertThresholdOverrides struct {
	ErrorMinRequests          *int     `json:"error_min_requests,omitempty"`
	ErrorMinRate              *float64 `json:"error_min_rate,omitempty"`
	ErrorBaselineFactor       *float64 `json:"error_baseline_factor,omitempty"`
	RequestSpikeFactor        *float64 `json:"request_spike_factor,omitempty"`
	RequestMinPerMinute       *int     `json:"request_min_per_minute,omitempty"`
	RequestMinBaselineMinutes *int     `json:"request_min_baseline_minutes,omitempty"`
}

// AlertThresholdsView is the organization's thresholds: those in force and its own overrides.
type AlertThresholdsView struct {
	Object         string                  `json:"object"`
	OrganizationID string                  `json:"organization_id"`
	Thresholds     AlertThresholds         `json:"thresholds"`
	Overrides      AlertThresholdOverrides `json:"overrides"`
}

// SetAlertThresholdsParams is the body of Alerts.SetThresholds: the fields set override the
// defaults; Restore names thresholds (JSON names, e.g. "error_min_rate") set back to the default.
type SetAlertThresholdsParams struct {
	AlertThresholdOverrides
	Restore []string
}

// MarshalJSON sends the overrides set, and null for each threshold restored.
func (p SetAlertThresholdsParams) MarshalJSON() ([]byte, error) {
	raw, err := json.Marshal(p.AlertThresholdOverrides)
	if err != nil {
		return nil, err
	}
	body := map[string]interface{}{}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	for _, name := range p.Restore {
		body[name] = nil
	}
	return json.Marshal(body)
}

// AlertListParams filters Alerts.List.
type AlertListParams struct {
	ListParams
	Status string
	KeyID  string
	Type   string
}

// Webhook is a registered alert webhook endpoint.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Status    string    `json:"status,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookWithSecret is a new webhook with its `whsec_...` signing secret, shown once.
type WebhookWithSecret struct {
	Webhook
	Secret string `json:"secret"`
}

// CreateWebhookParams is the body of Webhooks.Create.
type CreateWebhookParams struct {
	URL    string   `json:"url"`
	Events []string `json:"events,omitempty"`
}

// WebhookDelivery is one delivery attempt record. Raw holds the full JSON object.
type WebhookDelivery struct {
	ID        string          `json:"id"`
	WebhookID string          `json:"webhook_id"`
	Raw       json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the whole object in Raw besides the typed fields.
func (d *WebhookDelivery) UnmarshalJSON(data []byte) error {
	type plain WebhookDelivery
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*d = WebhookDelivery(p)
	d.Raw = append(json.RawMessage{}, data...)
	return nil
}

// AuditEntry is one entry of the organization's audit log.
type AuditEntry struct {
	ID             string                 `json:"id"`
	Object         string                 `json:"object"`
	OrganizationID string                 `json:"organization_id"`
	ActorKeyID     *string                `json:"actor_key_id"`
	Action         string                 `json:"action"`
	TargetType     string                 `json:"target_type"`
	TargetID       string                 `json:"target_id"`
	IP             *string                `json:"ip"`
	Metadata       map[string]interface{} `json:"metadata"`
	CreatedAt      time.Time              `json:"created_at"`
}
