// Package plexmcp is the Go client of the PlexMCP gateway (standard library only).
//
//	client := plexmcp.NewClient(os.Getenv("PLEXMCP_API_KEY"))
//	if err := client.Err(); err != nil {
//		log.Fatal(err) // missing or malformed key
//	}
//	it := client.MCPs.List(ctx, nil)
//	for it.Next() {
//		fmt.Println(it.Current().ID)
//	}
//
// NewClient returns only a *Client, so a missing or malformed key (checked locally: prefix,
// length, alphabet and checksum) is reported by Client.Err, and every call of such a client
// returns that same error without sending anything. Errors never contain the key.
package plexmcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Version of this SDK, sent in the User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is used when neither WithBaseURL nor PLEXMCP_BASE_URL is given.
const DefaultBaseURL = "http://localhost:3000"

// Client talks to the PlexMCP REST API. It is safe for concurrent use.
type Client struct {
	MCPs     *MCPService
	Keys     *KeyService
	Usage    *UsageService
	Alerts   *AlertService
	Webhooks *WebhookService
	Audit    *AuditService

	apiKey     string
	baseURL    string
	httpClient *http.Client
	maxRetries int
	maxWait    time.Duration
	timeout    time.Duration
	err        error
	sleep      func(ctx context.Context, d time.Duration) error
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API's base URL (default: env PLEXMCP_BASE_URL, else DefaultBaseURL).
func WithBaseURL(baseURL string) Option { return func(c *Client) { c.baseURL = baseURL } }

// WithHTTPClient sets the HTTP client (proxies, transports); default http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.httpClient = hc } }

// WithMaxRetries sets how often an idempotent request (GET, DELETE) answered 429 rate_limited
// or 503, or failing to connect, is retried; default 2. Other requests are never retried, and
// neither is 429 usage_limit_exceeded (its Retry-After is the period's reset).
func WithMaxRetries(n int) Option { return func(c *Client) { c.maxRetries = n } }

// WithMaxRetryWait sets the longest Retry-After a retry waits for; default 60 s. A longer one
// (or one past the context's deadline) returns the error at once: waiting less would only be
// refused again.
func WithMaxRetryWait(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// WithTimeout sets the timeout of each attempt; default 30 s. The context of each call bounds
// the whole call, retries and waits included.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// NewClient returns a client for apiKey (if empty, env PLEXMCP_API_KEY). Surrounding whitespace
// is ignored. A missing or malformed key does not panic: Err reports it and every call returns it.
func NewClient(apiKey string, opts ...Option) *Client {
	c := &Client{
		apiKey:     strings.TrimSpace(apiKey),
		baseURL:    os.Getenv("PLEXMCP_BASE_URL"),
		httpClient: http.DefaultClient,
		maxRetries: 2,
		maxWait:    time.Minute,
		timeout:    30 * time.Second,
		sleep:      sleepContext,
	}
	if c.apiKey == "" {
		c.apiKey = strings.TrimSpace(os.Getenv("PLEXMCP_API_KEY"))
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	for _, opt := range opts {
		opt(c)
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	switch {
	case c.apiKey == "":
		c.err = ErrMissingAPIKey
	case !ValidAPIKey(c.apiKey):
		c.err = ErrMalformedAPIKey
	default:
		if u, err := url.Parse(c.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.err = fmt.Errorf("%w, got %q", ErrInvalidBaseURL, c.baseURL)
		}
	}
	if c.err != nil {
		c.apiKey = "" // keep no copy of a key that will never be used
	}
	if c.httpClient == nil {
		c.httpClient = http.DefaultClient
	}
	if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.maxWait < 0 {
		c.maxWait = 0
	}
	c.MCPs = &MCPService{collection[MCP]{c, "/v1/mcps"}}
	c.Keys = &KeyService{collection[APIKey]{c, "/v1/keys"}}
	c.Usage = &UsageService{c}
	c.Alerts = &AlertService{c}
	c.Webhooks = &WebhookService{collection[Webhook]{c, "/v1/webhooks"}}
	c.Audit = &AuditService{collection[AuditEntry]{c, "/v1/audit"}}
	return c
}

// Err is the configuration error of the client (ErrMissingAPIKey, ErrMalformedAPIKey,
// ErrInvalidBaseURL), or nil. A client with an error sends nothing: every call returns it.
func (c *Client) Err() error { return c.err }

// BaseURL is the API's base URL this client sends to.
func (c *Client) BaseURL() string { return c.baseURL }

// String never shows the key.
func (c *Client) String() string { return "plexmcp.Client{BaseURL: " + c.baseURL + "}" }

// GoString never shows the key, even under %#v.
func (c *Client) GoString() string { return c.String() }

// Me returns the calling key's own identity and policy (never the secret): ID, OrganizationID,
// Mode, Prefix, Last4, Permissions, Scopes, RateLimit, UsageLimit and ExpiresAt. The gateway
// answers it from its cache, so Name, Status and the other timestamps are left zero; use
// Keys.Get(ctx, me.ID) for those.
func (c *Client) Me(ctx context.Context) (*APIKey, error) {
	var out APIKey
	if _, err := c.do(ctx, http.MethodGet, "/v1/me", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

type pagination struct {
	NextCursor *string `json:"next_cursor"`
}

type envelope struct {
	Success    bool            `json:"success"`
	Data       json.RawMessage `json:"data"`
	Pagination *pagination     `json:"pagination"`
	Error      *wireError      `json:"error"`
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryDelay is how long to wait before retrying after err, or false to give up at once. A
// usage limit is never retried; a rate limit waits exactly its Retry-After when that is at most
// maxWait; a 503, a connection failure or a rate limit without Retry-After backs off
// exponentially with jitter.
func (c *Client) retryDelay(attempt int, err error) (time.Duration, bool) {
	if errors.Is(err, ErrUsageLimitExceeded) {
		return 0, false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && errors.Is(err, ErrRateLimited) {
		if d, ok := parseRetryAfter(apiErr.Header); ok {
			return d, d <= c.maxWait
		}
	} else if !errors.Is(err, ErrServiceUnavailable) && !errors.Is(err, ErrConnection) {
		return 0, false
	}
	base := 500 * time.Millisecond << uint(attempt)
	if base > 8*time.Second || base <= 0 {
		base = 8 * time.Second
	}
	if base > c.maxWait {
		base = c.maxWait
	}
	return base/2 + time.Duration(rand.Int63n(int64(base/2)+1)), true
}

// retrying runs attempt until it succeeds or the retry policy gives up. Only idempotent methods
// are retried; a wait that would end past ctx's deadline is not started.
func (c *Client) retrying(ctx context.Context, method string, attempt func(ctx context.Context) error) error {
	budget := 0
	if idempotent(method) {
		budget = c.maxRetries
	}
	for n := 0; ; n++ {
		err := c.attempt(ctx, attempt)
		if err == nil || n >= budget || ctx.Err() != nil {
			return err
		}
		wait, ok := c.retryDelay(n, err)
		if deadline, has := ctx.Deadline(); !ok || (has && time.Now().Add(wait).After(deadline)) {
			return err
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return err
		}
	}
}

// attempt runs one try within the client's per-attempt timeout; a network failure becomes a
// *ConnectionError, or the context's own error when the caller gave up.
func (c *Client) attempt(ctx context.Context, try func(ctx context.Context) error) error {
	attemptCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := try(attemptCtx)
	var apiErr *APIError
	var mcpErr *MCPError
	if err == nil || errors.As(err, &apiErr) || errors.As(err, &mcpErr) || errors.Is(err, errLocal) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err() // the caller gave up: not a connection problem
	}
	if attemptCtx.Err() != nil {
		return &ConnectionError{Timeout: true, Err: attemptCtx.Err(), origin: c.origin()}
	}
	return &ConnectionError{Err: stripURL(err), origin: c.origin()}
}

// errLocal marks failures of this client itself (building a request), never retried.
var errLocal = errors.New("plexmcp: local error")

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do sends one request (with retries when idempotent), decodes `data` into out and returns the
// pagination block, if any.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body interface{}, out interface{}) (*pagination, error) {
	if c.err != nil {
		return nil, c.err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("plexmcp: encoding request body: %w", err)
		}
	}
	var env *envelope
	err := c.retrying(ctx, method, func(ctx context.Context) error {
		var err error
		env, err = c.once(ctx, method, path, query, payload)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out != nil && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return nil, fmt.Errorf("plexmcp: decoding response of %s %s: %w", method, path, err)
		}
	}
	return env.Pagination, nil
}

func (c *Client) origin() string {
	if u, err := url.Parse(c.baseURL); err == nil {
		return u.Scheme + "://" + u.Host
	}
	return c.baseURL
}

// send makes one HTTP exchange with the key and the SDK's User-Agent; the caller closes the body.
func (c *Client) send(ctx context.Context, method, target string, payload []byte, header http.Header) (*http.Response, error) {
	var reader io.Reader
	if payload != nil {
		reader = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, fmt.Errorf("%w: building request: %v", errLocal, err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("User-Agent", "plexmcp-sdk-go/"+Version)
	return c.httpClient.Do(req)
}

func (c *Client) once(ctx context.Context, method, path string, query url.Values, payload []byte) (*envelope, error) {
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	header := http.Header{"Accept": {"application/json"}}
	if payload != nil {
		header.Set("Content-Type", "application/json")
	}
	resp, err := c.send(ctx, method, target, payload, header)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var env envelope
	parseErr := json.Unmarshal(raw, &env)
	if resp.StatusCode >= 400 {
		return nil, newAPIError(resp.StatusCode, env.Error, resp.Header)
	}
	if parseErr != nil || !env.Success {
		return nil, newAPIError(resp.StatusCode, &wireError{Message: "Unexpected response shape"}, resp.Header)
	}
	return &env, nil
}

// stripURL keeps the cause of a *url.Error (the method and URL are already known to the caller).
func stripURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
