package plexmcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewClientReportsAMissingOrMalformedKeyAndSendsNothing(t *testing.T) {
	s := newScripted(t)
	t.Setenv("PLEXMCP_API_KEY", "")

	missing := NewClient("", WithBaseURL(s.URL))
	if !errors.Is(missing.Err(), ErrMissingAPIKey) {
		t.Fatalf("Err() = %v, want ErrMissingAPIKey", missing.Err())
	}
	if _, err := missing.Me(context.Background()); !errors.Is(err, ErrMissingAPIKey) {
		t.Fatalf("Me() = %v, want ErrMissingAPIKey", err)
	}

	good := generateKey(t, "live")
	bad := good[:len(good)-1] + map[bool]string{true: "B", false: "A"}[good[len(good)-1] == 'A']
	malformed := NewClient(bad, WithBaseURL(s.URL))
	if !errors.Is(malformed.Err(), ErrMalformedAPIKey) {
		t.Fatalf("Err() = %v, want ErrMalformedAPIKey", malformed.Err())
	}
	it := malformed.MCPs.List(context.Background(), nil)
	if it.Next() || !errors.Is(it.Err(), ErrMalformedAPIKey) {
		t.Fatalf("List: %v", it.Err())
	}
	if _, err := malformed.Keys.Create(context.Background(), CreateKeyParams{Name: "x"}); !errors.Is(err, ErrMalformedAPIKey) {
		t.Fatalf("Create: %v", err)
	}
	for _, text := range []string{malformed.Err().Error(), fmt.Sprintf("%v %+v %#v", malformed, malformed, malformed)} {
		if strings.Contains(text, bad[8:20]) {
			t.Fatalf("the key leaked into %q", text)
		}
	}
	if n := len(s.requests()); n != 0 {
		t.Fatalf("%d requests sent by a misconfigured client", n)
	}

	if err := NewClient(good, WithBaseURL("ftp://example.com")).Err(); !errors.Is(err, ErrInvalidBaseURL) {
		t.Fatalf("bad base URL: %v", err)
	}
}

func TestNewClientReadsTheEnvironmentAsTheSeedSnippetDoes(t *testing.T) {
	s := newScripted(t, ok(`{"id":"key_abc12345","object":"api_key","permissions":{"mcps":["mcp_1"]}}`))
	key := generateKey(t, "test")
	t.Setenv("PLEXMCP_API_KEY", key+"\n")
	t.Setenv("PLEXMCP_BASE_URL", s.URL)

	c := NewClient("")
	me, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != "key_abc12345" || me.Permissions.All || len(me.Permissions.MCPs) != 1 {
		t.Fatalf("me = %+v", me)
	}
	r := s.requests()[0]
	if r.uri != "/v1/me" || r.authorization != "Bearer "+key || !strings.HasPrefix(r.userAgent, "plexmcp-sdk-go/") {
		t.Fatalf("request = %+v", r)
	}

	t.Setenv("PLEXMCP_BASE_URL", "")
	if got := NewClient(key).BaseURL(); got != DefaultBaseURL {
		t.Fatalf("default base URL = %q", got)
	}
}

func TestErrorsAreTypedWithStatusCodeAndRequestID(t *testing.T) {
	cases := []struct {
		reply    reply
		sentinel error
	}{
		{fail(401, "unauthorized", "Invalid or missing API key", nil), ErrUnauthorized},
		{fail(403, "forbidden", "API key does not have permission for this resource", nil), ErrForbidden},
		{fail(404, "not_found", "No such MCP", nil), ErrNotFound},
		{fail(409, "conflict", "Key already revoked", nil), ErrConflict},
		{fail(502, "upstream_error", "Upstream failed", nil), ErrUpstream},
	}
	for _, tc := range cases {
		s := newScripted(t, tc.reply)
		c, _ := newTestClient(t, s)
		_, err := c.MCPs.Get(context.Background(), "mcp_abcdefgh")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, tc.sentinel) {
			t.Fatalf("%s: got %v", tc.sentinel, err)
		}
		if apiErr.Status != tc.reply.status || apiErr.Code != tc.sentinel.(*Kind).Code() || apiErr.RequestID != "req_1" || apiErr.Message == "" {
			t.Fatalf("%s: %+v", tc.sentinel, apiErr)
		}
		for _, other := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound} {
			if other != tc.sentinel && errors.Is(err, other) {
				t.Fatalf("%s also matches %s", tc.sentinel, other)
			}
		}
	}
}

func TestValidationErrorCarriesDetails(t *testing.T) {
	s := newScripted(t, reply{status: 400, body: `{"success":false,"error":{"code":"validation_error","message":"Invalid body","details":[{"field":"name","message":"Required"}]}}`})
	c, _ := newTestClient(t, s)
	_, err := c.Keys.Create(context.Background(), CreateKeyParams{Name: ""})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrValidation) {
		t.Fatalf("got %v", err)
	}
	if len(apiErr.Details) != 1 || apiErr.Details[0].Field != "name" || apiErr.RequestID != "req_header" {
		t.Fatalf("%+v", apiErr)
	}
	if body := s.requests()[0].body; body != `{"name":""}` {
		t.Fatalf("body = %s", body)
	}
}

func TestUsageLimitIsARateLimitWithRetryAfter(t *testing.T) {
	s := newScripted(t, fail(429, "usage_limit_exceeded", "Monthly limit reached", map[string]string{"Retry-After": "3600"}))
	c, _ := newTestClient(t, s)
	_, err := c.Keys.Create(context.Background(), CreateKeyParams{Name: "x"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUsageLimitExceeded) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("got %v", err)
	}
	if apiErr.RetryAfter != time.Hour {
		t.Fatalf("RetryAfter = %v", apiErr.RetryAfter)
	}
}

func TestUnknownErrorBodiesFallBackToTheStatus(t *testing.T) {
	s := newScripted(t, reply{status: 503, body: `<html>bad gateway</html>`})
	c, _ := newTestClient(t, s, WithMaxRetries(0))
	_, err := c.Me(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrServiceUnavailable) || apiErr.Code != "unknown_error" || apiErr.RequestID != "req_header" {
		t.Fatalf("got %v", err)
	}
}

func TestRetriesIdempotentRequestsOn503And429HonouringRetryAfter(t *testing.T) {
	s := newScripted(t,
		fail(503, "service_unavailable", "down", nil),
		fail(429, "rate_limited", "slow down", map[string]string{"Retry-After": "2"}),
		ok(`{"id":"key_abc12345"}`),
	)
	c, delays := newTestClient(t, s)
	me, err := c.Me(context.Background())
	if err != nil || me.ID != "key_abc12345" {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	if n := len(s.requests()); n != 3 {
		t.Fatalf("%d requests", n)
	}
	d := *delays
	if len(d) != 2 || d[0] < 250*time.Millisecond || d[0] > 500*time.Millisecond || d[1] != 2*time.Second {
		t.Fatalf("delays = %v", d)
	}
}

func TestRetriesDeleteButNeverPostOrPatch(t *testing.T) {
	s := newScripted(t, fail(503, "service_unavailable", "down", nil), ok(`{"id":"mcp_1"}`))
	c, _ := newTestClient(t, s)
	if m, err := c.MCPs.Delete(context.Background(), "mcp_1"); err != nil || m.ID != "mcp_1" {
		t.Fatalf("Delete = %+v, %v", m, err)
	}

	s = newScripted(t, fail(503, "service_unavailable", "down", nil), fail(503, "service_unavailable", "down", nil))
	c, _ = newTestClient(t, s)
	if _, err := c.Keys.Rotate(context.Background(), "key_1", nil); !errors.Is(err, ErrServiceUnavailable) {
		t.Fatalf("Rotate: %v", err)
	}
	name := "n"
	if _, err := c.MCPs.Update(context.Background(), "mcp_1", UpdateMCPParams{Name: &name}); !errors.Is(err, ErrServiceUnavailable) {
		t.Fatalf("Update: %v", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Fatalf("%d requests, want one per call", n)
	}
}

func TestGivesUpAfterMaxRetriesAndNeverRetriesOtherErrors(t *testing.T) {
	limited := fail(429, "rate_limited", "slow", map[string]string{"Retry-After": "0"})
	s := newScripted(t, limited, limited, limited, limited)
	c, _ := newTestClient(t, s, WithMaxRetries(2))
	if _, err := c.Me(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("got %v", err)
	}
	if n := len(s.requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}

	s = newScripted(t, fail(401, "unauthorized", "Invalid or missing API key", nil), ok(`{}`))
	c, _ = newTestClient(t, s)
	if _, err := c.Me(context.Background()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

func TestConnectionErrorsAreRetriedThenTyped(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there any more
	c := NewClient(generateKey(t, "live"), WithBaseURL(url), WithMaxRetries(1))
	var delays []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error { delays = append(delays, d); return nil }
	_, err = c.Me(context.Background())
	var connErr *ConnectionError
	if !errors.As(err, &connErr) || !errors.Is(err, ErrConnection) || connErr.Timeout || len(delays) != 1 {
		t.Fatalf("got %v after %d retries", err, len(delays))
	}
	if !strings.Contains(err.Error(), "could not reach PlexMCP at "+url) {
		t.Fatalf("message %q", err)
	}
}

func TestTimeoutIsATypedConnectionErrorAndCancellationStopsRetries(t *testing.T) {
	release := make(chan struct{})
	srv := newScripted(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	c := NewClient(generateKey(t, "live"), WithBaseURL(srv.URL), WithTimeout(50*time.Millisecond), WithMaxRetries(0))
	_, err := c.Me(context.Background())
	var connErr *ConnectionError
	if !errors.As(err, &connErr) || !connErr.Timeout {
		t.Fatalf("got %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c = NewClient(generateKey(t, "live"), WithBaseURL(srv.URL))
	if _, err := c.Me(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
}

func TestListWalksEveryPageAndListPageFetchesOne(t *testing.T) {
	s := newScripted(t, okPage(`[{"id":"key_1"},{"id":"key_2"}]`, `"cur2"`))
	c, _ := newTestClient(t, s)
	page, err := c.Keys.ListPage(context.Background(), &ListParams{Limit: 2})
	if err != nil || len(page.Data) != 2 || page.NextCursor != "cur2" || !page.HasMore() {
		t.Fatalf("page = %+v, %v", page, err)
	}
	if uri := s.requests()[0].uri; uri != "/v1/keys?limit=2" {
		t.Fatalf("uri = %s", uri)
	}

	s = newScripted(t, okPage(`[{"id":"key_1"},{"id":"key_2"}]`, `"cur2"`), okPage(`[{"id":"key_3"}]`, `null`))
	c, _ = newTestClient(t, s)
	it := c.Keys.List(context.Background(), &ListParams{Limit: 2})
	if len(s.requests()) != 0 {
		t.Fatal("List sent a request before Next")
	}
	var ids []string
	for it.Next() {
		ids = append(ids, it.Current().ID)
	}
	if it.Err() != nil || strings.Join(ids, ",") != "key_1,key_2,key_3" {
		t.Fatalf("ids = %v, err = %v", ids, it.Err())
	}
	if uri := s.requests()[1].uri; uri != "/v1/keys?cursor=cur2&limit=2" {
		t.Fatalf("second page uri = %s", uri)
	}
}

func TestListStopsOnAnErrorMidway(t *testing.T) {
	s := newScripted(t, okPage(`[{"id":"mcp_1"}]`, `"c2"`), fail(403, "forbidden", "API key does not have permission for this resource", nil))
	c, _ := newTestClient(t, s)
	it := c.MCPs.List(context.Background(), nil)
	n := 0
	for it.Next() {
		n++
	}
	if n != 1 || !errors.Is(it.Err(), ErrForbidden) {
		t.Fatalf("n = %d, err = %v", n, it.Err())
	}
}

func TestRoutesMethodsAndBodies(t *testing.T) {
	ctx := context.Background()
	name := "renamed"
	perms := OnlyMCPs("mcp_1")
	cases := []struct {
		call        func(c *Client) error
		method, uri string
		body        string
	}{
		{func(c *Client) error {
			_, err := c.MCPs.Create(ctx, CreateMCPParams{Name: "docs", UpstreamURL: "https://mcp.example.com"})
			return err
		}, "POST", "/v1/mcps", `{"name":"docs","upstream_url":"https://mcp.example.com"}`},
		{func(c *Client) error {
			_, err := c.Keys.Create(ctx, CreateKeyParams{Name: "ci", Permissions: &perms, ExpiresIn: "30d"})
			return err
		}, "POST", "/v1/keys", `{"name":"ci","permissions":{"mcps":["mcp_1"]},"expires_in":"30d"}`},
		{func(c *Client) error {
			all := AllMCPs()
			_, err := c.Keys.Update(ctx, "key_1", UpdateKeyParams{Name: &name, Permissions: &all, ClearRateLimit: true})
			return err
		}, "PATCH", "/v1/keys/key_1", `{"name":"renamed","permissions":{"mcps":"*"},"rate_limit":null}`},
		{func(c *Client) error { _, err := c.Keys.Get(ctx, "key_1"); return err }, "GET", "/v1/keys/key_1", ""},
		{func(c *Client) error { _, err := c.Keys.Revoke(ctx, "key_1"); return err }, "DELETE", "/v1/keys/key_1", ""},
		{func(c *Client) error {
			_, err := c.Keys.Rotate(ctx, "key_1", &RotateKeyParams{GracePeriod: "1h"})
			return err
		}, "POST", "/v1/keys/key_1/rotate", `{"grace_period":"1h"}`},
		{func(c *Client) error {
			_, err := c.Usage.Get(ctx, &UsageParams{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Granularity: "day"})
			return err
		}, "GET", "/v1/usage?from=2026-01-01T00%3A00%3A00Z&granularity=day", ""},
		{func(c *Client) error { _, err := c.Usage.ForKey(ctx, "key_1", nil); return err }, "GET", "/v1/keys/key_1/usage", ""},
		{func(c *Client) error {
			_, err := c.Alerts.ListPage(ctx, &AlertListParams{Status: "open", KeyID: "key_1"})
			return err
		}, "GET", "/v1/alerts?key_id=key_1&status=open", ""},
		{func(c *Client) error { _, err := c.Alerts.Ack(ctx, "alert_1"); return err }, "POST", "/v1/alerts/alert_1/ack", ""},
		{func(c *Client) error {
			_, err := c.Webhooks.Create(ctx, CreateWebhookParams{URL: "https://hooks.example.com"})
			return err
		}, "POST", "/v1/webhooks", `{"url":"https://hooks.example.com"}`},
		{func(c *Client) error { _, err := c.Webhooks.ListPage(ctx, nil); return err }, "GET", "/v1/webhooks", ""},
		{func(c *Client) error { _, err := c.Webhooks.Delete(ctx, "wh_1"); return err }, "DELETE", "/v1/webhooks/wh_1", ""},
		{func(c *Client) error { _, err := c.Webhooks.Test(ctx, "wh_1"); return err }, "POST", "/v1/webhooks/wh_1/test", ""},
		{func(c *Client) error {
			it := c.Webhooks.Deliveries(ctx, "wh_1", nil)
			for it.Next() {
			}
			return it.Err()
		}, "GET", "/v1/webhooks/wh_1/deliveries", ""},
		{func(c *Client) error { _, err := c.Audit.ListPage(ctx, &ListParams{Limit: 5}); return err }, "GET", "/v1/audit?limit=5", ""},
		{func(c *Client) error { _, err := c.MCPs.Get(ctx, "a/b"); return err }, "GET", "/v1/mcps/a%2Fb", ""},
	}
	lists := map[string]bool{"/v1/alerts": true, "/v1/webhooks": true, "/v1/webhooks/wh_1/deliveries": true, "/v1/audit": true}
	for _, tc := range cases {
		path := strings.SplitN(tc.uri, "?", 2)[0]
		answer := ok(`{}`)
		if tc.method == "GET" && lists[path] {
			answer = okPage(`[]`, `null`)
		}
		s := newScripted(t, answer)
		c, _ := newTestClient(t, s)
		if err := tc.call(c); err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.uri, err)
		}
		r := s.requests()[0]
		if r.method != tc.method || r.uri != tc.uri || r.body != tc.body {
			t.Fatalf("want %s %s %s, got %s %s %s", tc.method, tc.uri, tc.body, r.method, r.uri, r.body)
		}
	}
}
