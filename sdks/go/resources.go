package plexmcp

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

func seg(id string) string { return url.PathEscape(id) }

func call[T any](ctx context.Context, c *Client, method, path string, query url.Values, body interface{}) (*T, error) {
	var out T
	if _, err := c.do(ctx, method, path, query, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// collection is what every listed resource shares: its path, List across pages and ListPage.
// A service embeds one; its own methods reach members with at(id).
type collection[T any] struct {
	c    *Client
	path string
}

// List walks the collection, across pages.
func (s *collection[T]) List(ctx context.Context, params *ListParams) *Iter[T] {
	return newIter(ctx, startCursor(params), fetchPage[T](s.c, s.path, params, nil))
}

// ListPage fetches one page of the collection.
func (s *collection[T]) ListPage(ctx context.Context, params *ListParams) (*Page[T], error) {
	return fetchPage[T](s.c, s.path, params, nil)(ctx, startCursor(params))
}

// at is the path of one member, followed by rest (e.g. "/rotate").
func (s *collection[T]) at(id, rest string) string { return s.path + "/" + seg(id) + rest }

// MCPService manages MCP servers (/v1/mcps).
type MCPService struct{ collection[MCP] }

// Get returns one MCP.
func (s *MCPService) Get(ctx context.Context, id string) (*MCP, error) {
	return call[MCP](ctx, s.c, http.MethodGet, s.at(id, ""), nil, nil)
}

// Create registers an MCP (scope mcps:write).
func (s *MCPService) Create(ctx context.Context, params CreateMCPParams) (*MCP, error) {
	return call[MCP](ctx, s.c, http.MethodPost, s.path, nil, params)
}

// Update changes an MCP (scope mcps:write).
func (s *MCPService) Update(ctx context.Context, id string, params UpdateMCPParams) (*MCP, error) {
	return call[MCP](ctx, s.c, http.MethodPatch, s.at(id, ""), nil, params)
}

// Delete removes an MCP and returns it (scope mcps:write).
func (s *MCPService) Delete(ctx context.Context, id string) (*MCP, error) {
	return call[MCP](ctx, s.c, http.MethodDelete, s.at(id, ""), nil, nil)
}

// Endpoint is the MCP's Streamable HTTP endpoint on the gateway (send the Authorization header).
func (s *MCPService) Endpoint(id string) string { return s.c.baseURL + s.at(id, "/mcp") }

// KeyService manages API keys (/v1/keys).
type KeyService struct{ collection[APIKey] }

// Create issues a key; the result carries Secret, shown this one time only.
func (s *KeyService) Create(ctx context.Context, params CreateKeyParams) (*CreatedKey, error) {
	return call[CreatedKey](ctx, s.c, http.MethodPost, s.path, nil, params)
}

// Get returns one key (never its secret).
func (s *KeyService) Get(ctx context.Context, id string) (*APIKey, error) {
	return call[APIKey](ctx, s.c, http.MethodGet, s.at(id, ""), nil, nil)
}

// Update changes a key's name, permissions, scopes or limits.
func (s *KeyService) Update(ctx context.Context, id string, params UpdateKeyParams) (*APIKey, error) {
	return call[APIKey](ctx, s.c, http.MethodPatch, s.at(id, ""), nil, params)
}

// Disable makes a key refused at once by every gateway until Enable.
func (s *KeyService) Disable(ctx context.Context, id string) (*APIKey, error) {
	status := "disabled"
	return s.Update(ctx, id, UpdateKeyParams{Status: &status})
}

// Enable lets a disabled key work again (a revoked key cannot be: ErrConflict).
func (s *KeyService) Enable(ctx context.Context, id string) (*APIKey, error) {
	status := "active"
	return s.Update(ctx, id, UpdateKeyParams{Status: &status})
}

func keyFilters(p *KeyListParams) (*ListParams, url.Values) {
	q := url.Values{}
	if p == nil {
		return nil, q
	}
	if p.Tag != "" {
		q.Set("tag", p.Tag)
	}
	if p.Metadata != "" {
		q.Set("metadata", p.Metadata)
	}
	return &p.ListParams, q
}

// ListFiltered walks the keys with a tag and/or a metadata pair, across pages.
func (s *KeyService) ListFiltered(ctx context.Context, params *KeyListParams) *Iter[APIKey] {
	lp, q := keyFilters(params)
	return newIter(ctx, startCursor(lp), fetchPage[APIKey](s.c, s.path, lp, q))
}

// ListPageFiltered fetches one page of the keys with a tag and/or a metadata pair.
func (s *KeyService) ListPageFiltered(ctx context.Context, params *KeyListParams) (*Page[APIKey], error) {
	lp, q := keyFilters(params)
	return fetchPage[APIKey](s.c, s.path, lp, q)(ctx, startCursor(lp))
}

// Revoke revokes a key at once and returns it.
func (s *KeyService) Revoke(ctx context.Context, id string) (*APIKey, error) {
	return call[APIKey](ctx, s.c, http.MethodDelete, s.at(id, ""), nil, nil)
}

// Rotate issues a replacement with the same name and permissions; params may be nil.
func (s *KeyService) Rotate(ctx context.Context, id string, params *RotateKeyParams) (*RotatedKey, error) {
	if params == nil {
		params = &RotateKeyParams{}
	}
	return call[RotatedKey](ctx, s.c, http.MethodPost, s.at(id, "/rotate"), nil, params)
}

// UsageService reads usage (/v1/usage, /v1/keys/{id}/usage).
type UsageService struct{ c *Client }

func usageQuery(p *UsageParams) url.Values {
	q := url.Values{}
	if p == nil {
		return q
	}
	if !p.From.IsZero() {
		q.Set("from", p.From.UTC().Format(time.RFC3339))
	}
	if !p.To.IsZero() {
		q.Set("to", p.To.UTC().Format(time.RFC3339))
	}
	if p.Granularity != "" {
		q.Set("granularity", p.Granularity)
	}
	if p.Breakdown != "" {
		q.Set("breakdown", p.Breakdown)
	}
	return q
}

// Get returns the organization's usage; params may be nil.
func (s *UsageService) Get(ctx context.Context, params *UsageParams) (*Usage, error) {
	return call[Usage](ctx, s.c, http.MethodGet, "/v1/usage", usageQuery(params), nil)
}

// ForKey returns one key's usage; params may be nil.
func (s *UsageService) ForKey(ctx context.Context, keyID string, params *UsageParams) (*Usage, error) {
	return call[Usage](ctx, s.c, http.MethodGet, "/v1/keys/"+seg(keyID)+"/usage", usageQuery(params), nil)
}

// AlertService reads and acknowledges anomaly alerts (/v1/alerts).
type AlertService struct{ c *Client }

func alertFilters(p *AlertListParams) (*ListParams, url.Values) {
	q := url.Values{}
	if p == nil {
		return nil, q
	}
	for k, v := range map[string]string{"status": p.Status, "key_id": p.KeyID, "type": p.Type} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return &p.ListParams, q
}

// List walks the alerts, across pages; params may be nil.
func (s *AlertService) List(ctx context.Context, params *AlertListParams) *Iter[Alert] {
	lp, q := alertFilters(params)
	return newIter(ctx, startCursor(lp), fetchPage[Alert](s.c, "/v1/alerts", lp, q))
}

// ListPage fetches one page of alerts.
func (s *AlertService) ListPage(ctx context.Context, params *AlertListParams) (*Page[Alert], error) {
	lp, q := alertFilters(params)
	return fetchPage[Alert](s.c, "/v1/alerts", lp, q)(ctx, startCursor(lp))
}

// Thresholds reads the organization's anomaly thresholds.
func (s *AlertService) Thresholds(ctx context.Context) (*AlertThresholdsView, error) {
	return call[AlertThresholdsView](ctx, s.c, http.MethodGet, "/v1/alerts/thresholds", nil, nil)
}

// SetThresholds overrides or restores the organization's thresholds (needs alerts:write).
func (s *AlertService) SetThresholds(ctx context.Context, params SetAlertThresholdsParams) (*AlertThresholdsView, error) {
	return call[AlertThresholdsView](ctx, s.c, http.MethodPut, "/v1/alerts/thresholds", nil, params)
}

// Ack acknowledges an alert.
func (s *AlertService) Ack(ctx context.Context, id string) (*Alert, error) {
	return call[Alert](ctx, s.c, http.MethodPost, "/v1/alerts/"+seg(id)+"/ack", nil, nil)
}

// WebhookService manages alert webhooks (/v1/webhooks).
type WebhookService struct{ collection[Webhook] }

// Create registers an endpoint; the result carries the signing Secret once.
func (s *WebhookService) Create(ctx context.Context, params CreateWebhookParams) (*WebhookWithSecret, error) {
	return call[WebhookWithSecret](ctx, s.c, http.MethodPost, s.path, nil, params)
}

// Delete removes a webhook and returns it.
func (s *WebhookService) Delete(ctx context.Context, id string) (*Webhook, error) {
	return call[Webhook](ctx, s.c, http.MethodDelete, s.at(id, ""), nil, nil)
}

// Deliveries walks a webhook's delivery attempts, across pages.
func (s *WebhookService) Deliveries(ctx context.Context, id string, params *ListParams) *Iter[WebhookDelivery] {
	path := s.at(id, "/deliveries")
	return newIter(ctx, startCursor(params), fetchPage[WebhookDelivery](s.c, path, params, nil))
}

// Test sends a test delivery now and returns its record.
func (s *WebhookService) Test(ctx context.Context, id string) (*WebhookDelivery, error) {
	return call[WebhookDelivery](ctx, s.c, http.MethodPost, s.at(id, "/test"), nil, nil)
}

// AuditService reads the organization's audit log (/v1/audit).
type AuditService struct{ collection[AuditEntry] }
