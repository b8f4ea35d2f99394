package plexmcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Live tests against a running PlexMCP, skipped unless PLEXMCP_E2E=1. They need
// PLEXMCP_BASE_URL and an admin key in PLEXMCP_API_KEY (scopes mcps:write and keys:write), and
// PLEXMCP_E2E_UPSTREAM_URL, a real MCP server with an `echo` tool the gateway can reach
// (tooling/upstream-mcp). The timeout test registers an upstream on this machine's 127.0.0.1
// that never answers, so the gateway must allow loopback upstreams and run on this machine.
// Everything created is removed at the end.

type live struct {
	t        *testing.T
	ctx      context.Context
	admin    *Client
	mode     string
	upstream string
	tag      string
}

// liveAdmin is the admin client of a live test (skipped without PLEXMCP_E2E=1) and its deadline.
func liveAdmin(t *testing.T) (context.Context, *Client) {
	if os.Getenv("PLEXMCP_E2E") != "1" {
		t.Skip("live tests run with PLEXMCP_E2E=1, PLEXMCP_BASE_URL and an admin PLEXMCP_API_KEY")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	admin := NewClient(os.Getenv("PLEXMCP_API_KEY"))
	if err := admin.Err(); err != nil {
		t.Fatal(err)
	}
	return ctx, admin
}

func newLive(t *testing.T) *live {
	ctx, admin := liveAdmin(t)
	me, err := admin.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	upstream := os.Getenv("PLEXMCP_E2E_UPSTREAM_URL")
	if upstream == "" {
		t.Skip("set PLEXMCP_E2E_UPSTREAM_URL to a reachable MCP server with an echo tool")
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return &live{t: t, ctx: ctx, admin: admin, mode: me.Mode, upstream: upstream, tag: "sdk-go-" + hex.EncodeToString(suffix)}
}

func (l *live) createMCP(name string) *MCP { return l.createMCPAt(name, l.upstream) }

func (l *live) createMCPAt(name, upstream string) *MCP {
	l.t.Helper()
	m, err := l.admin.MCPs.Create(l.ctx, CreateMCPParams{Name: l.tag + "-" + name, Mode: l.mode, UpstreamURL: upstream})
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _, _ = l.admin.MCPs.Delete(context.Background(), m.ID) })
	return m
}

func (l *live) createKey(name string, mcpIDs ...string) *CreatedKey {
	perms := OnlyMCPs(mcpIDs...)
	return l.createKeyWith(CreateKeyParams{Name: name, Permissions: &perms})
}

func (l *live) createKeyWith(params CreateKeyParams) *CreatedKey {
	l.t.Helper()
	params.Name, params.Mode, params.ExpiresIn = l.tag+"-"+params.Name, l.mode, "30d"
	k, err := l.admin.Keys.Create(l.ctx, params)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _, _ = l.admin.Keys.Revoke(context.Background(), k.ID) })
	return k
}

func TestLiveScopedKeySeesOnlyItsMCPsAndGetsTypedErrors(t *testing.T) {
	l := newLive(t)
	allowed := l.createMCP("allowed")
	other := l.createMCP("other")
	key := l.createKey("scoped", allowed.ID)
	scoped := NewClient(key.Secret)

	if me, err := scoped.Me(l.ctx); err != nil || me.ID != key.ID {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	var ids []string
	it := scoped.MCPs.List(l.ctx, nil)
	for it.Next() {
		ids = append(ids, it.Current().ID)
	}
	if it.Err() != nil || len(ids) != 1 || ids[0] != allowed.ID {
		t.Fatalf("scoped list = %v, %v", ids, it.Err())
	}

	_, err := scoped.MCPs.Get(l.ctx, other.ID)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrForbidden) || apiErr.Status != 403 || apiErr.RequestID == "" ||
		apiErr.Message != "API key does not have permission for this resource" {
		t.Fatalf("outside its permissions: %v", err)
	}

	if _, err := l.admin.Keys.Revoke(l.ctx, key.ID); err != nil {
		t.Fatal(err)
	}
	_, err = scoped.Me(l.ctx)
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUnauthorized) || apiErr.Status != 401 || apiErr.RequestID == "" {
		t.Fatalf("revoked key: %v", err)
	}
}

func TestLiveRotatedKeyWorksAndTheOldOneStops(t *testing.T) {
	l := newLive(t)
	m := l.createMCP("rotate")
	key := l.createKey("rotate", m.ID)
	rotated, err := l.admin.Keys.Rotate(l.ctx, key.ID, &RotateKeyParams{GracePeriod: "0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = l.admin.Keys.Revoke(context.Background(), rotated.ID) })
	if rotated.Secret == key.Secret || rotated.Name != key.Name {
		t.Fatalf("rotated = %+v", rotated.APIKey)
	}
	if got, err := NewClient(rotated.Secret).MCPs.Get(l.ctx, m.ID); err != nil || got.ID != m.ID {
		t.Fatalf("new key: %+v, %v", got, err)
	}
	if _, err := NewClient(key.Secret).Me(l.ctx); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("old key after rotation without grace: %v", err)
	}
}

func TestLiveQuickstartListsMCPs(t *testing.T) {
	l := newLive(t)
	m := l.createMCP("quickstart")
	out, err := exec.CommandContext(l.ctx, "go", "run", "./examples/quickstart").CombinedOutput()
	if err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), m.ID+" "+m.Name) {
		t.Fatalf("quickstart output lacks %s:\n%s", m.ID, out)
	}
}

func TestLiveCallsAnMCPThroughTheGatewayAndAKeyWithoutItIsRefused(t *testing.T) {
	l := newLive(t)
	m := l.createMCP("echo")
	other := l.createMCP("other")
	allowed := NewClient(l.createKey("mcp", m.ID).Secret)
	session, err := allowed.MCPs.Connect(l.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if session.SessionID() == "" || session.Server().ServerInfo.Name != "upstream-weather" {
		t.Fatalf("session %q, server %+v", session.SessionID(), session.Server())
	}
	tools, err := session.ListTools(l.ctx, "")
	if err != nil || len(tools.Tools) != 1 || tools.Tools[0].Name != "echo" {
		t.Fatalf("tools = %+v, %v", tools, err)
	}
	result, err := session.CallTool(l.ctx, "echo", map[string]interface{}{"text": "through the gateway"})
	if err != nil || len(result.Content) != 1 || result.Content[0].Type != "text" || result.Content[0].Text != "echo: through the gateway" || result.IsError {
		t.Fatalf("result = %+v, %v", result, err)
	}
	if err := session.Close(l.ctx); err != nil {
		t.Fatal(err)
	}

	outsider := NewClient(l.createKey("outsider", other.ID).Secret)
	_, err = outsider.MCPs.Connect(l.ctx, m.ID)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrForbidden) || apiErr.Status != 403 || apiErr.RequestID == "" {
		t.Fatalf("a key without the MCP: %v", err)
	}
}

// within runs call and fails the test if it has not returned after d (it may be waiting for a
// Retry-After of hours: it is left behind).
func within(t *testing.T, d time.Duration, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("still waiting after %v", d)
		return nil
	}
}

func TestLiveAUsageLimitFailsFastAndIsNeverRetried(t *testing.T) {
	l := newLive(t)
	m := l.createMCP("limited")
	perms := OnlyMCPs(m.ID)
	key := l.createKeyWith(CreateKeyParams{Name: "limited", Permissions: &perms, UsageLimit: &UsageLimit{Requests: 5, Period: "day"}})
	// Retries allowed and any wait accepted: only the policy keeps a usage limit from waiting
	// until the day resets.
	client := NewClient(key.Secret, WithMaxRetries(5), WithMaxRetryWait(40*24*time.Hour))
	session, err := client.MCPs.Connect(l.ctx, m.ID) // 2 requests of the 5
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for { // the usage-service announces the block shortly after the 5th request
		_, err := session.CallTool(l.ctx, "echo", map[string]interface{}{"text": "count me"})
		if errors.Is(err, ErrUsageLimitExceeded) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("the key was never blocked by its usage limit: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// No deadline on these calls: a deadline would cut a wait of hours short by itself.
	err = within(t, 2*time.Second, func() error {
		_, err := session.CallTool(context.Background(), "echo", map[string]interface{}{"text": "over the limit"})
		return err
	})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUsageLimitExceeded) || apiErr.Status != 429 || apiErr.RetryAfter <= 0 {
		t.Fatalf("over the limit: %v", err)
	}
	// Ending the session is a DELETE, idempotent and so retryable: still refused at once.
	if err := within(t, 2*time.Second, func() error { return session.Close(context.Background()) }); !errors.Is(err, ErrUsageLimitExceeded) {
		t.Fatalf("close over the limit: %v", err)
	}
	// Management routes are never blocked by a usage limit.
	if me, err := client.Me(l.ctx); err != nil || me.ID != key.ID {
		t.Fatalf("Me = %+v, %v", me, err)
	}
}

func TestLiveRetryAfterIsHonouredUpToTheCap(t *testing.T) {
	l := newLive(t)
	key := l.createKeyWith(CreateKeyParams{Name: "rate", Permissions: &Permissions{}, RateLimit: &RateLimit{RequestsPerSecond: 1, Burst: 1}})
	strict := NewClient(key.Secret, WithMaxRetries(0))
	exhaust := func() time.Duration {
		for i := 0; i < 5; i++ {
			_, err := strict.Me(l.ctx)
			var apiErr *APIError
			if errors.As(err, &apiErr) && errors.Is(err, ErrRateLimited) && apiErr.Code == "rate_limited" {
				return apiErr.RetryAfter
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Fatal("a 1-per-second key was never rate limited")
		return 0
	}

	// A Retry-After over the cap returns at once instead of waiting. (Each scenario is tried
	// again if the one-second window happened to roll over between exhausting it and the call.)
	capped := NewClient(key.Secret, WithMaxRetries(3), WithMaxRetryWait(500*time.Millisecond))
	for i := 0; ; i++ {
		if retryAfter := exhaust(); retryAfter < time.Second {
			t.Fatalf("Retry-After %v", retryAfter)
		}
		started := time.Now()
		_, err := capped.Me(l.ctx)
		if err == nil && i < 2 {
			continue
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, ErrRateLimited) || apiErr.RetryAfter < time.Second || time.Since(started) >= 500*time.Millisecond {
			t.Fatalf("capped: %v after %v", err, time.Since(started))
		}
		break
	}

	// Within the cap, the wait is what the server asked for, and then the call succeeds.
	patient := NewClient(key.Secret, WithMaxRetries(3), WithMaxRetryWait(5*time.Second))
	for i := 0; ; i++ {
		retryAfter := exhaust()
		started := time.Now()
		if me, err := patient.Me(l.ctx); err != nil || me.ID != key.ID {
			t.Fatalf("Me = %+v, %v", me, err)
		}
		elapsed := time.Since(started)
		if elapsed < 100*time.Millisecond && i < 2 {
			continue // not refused: the window rolled over
		}
		if elapsed < retryAfter-50*time.Millisecond {
			t.Fatalf("succeeded after %v, before the Retry-After of %v", elapsed, retryAfter)
		}
		break
	}
}

func TestLiveACallTimesOutWhenTheUpstreamNeverAnswers(t *testing.T) {
	l := newLive(t)
	tarpit, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			conn, err := tarpit.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, conn) // accepted, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		tarpit.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range held {
			conn.Close()
		}
	})
	m := l.createMCPAt("tarpit", "http://"+tarpit.Addr().String()+"/mcp")
	client := NewClient(l.createKey("tarpit", m.ID).Secret, WithMaxRetries(3))

	ctx, cancel := context.WithTimeout(l.ctx, 500*time.Millisecond)
	defer cancel()
	started := time.Now()
	if _, err := client.MCPs.Connect(ctx, m.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if elapsed := time.Since(started); elapsed < 450*time.Millisecond || elapsed > 3*time.Second {
		t.Fatalf("took %v", elapsed)
	}
	// The client's own per-attempt timeout is a typed connection error.
	short := NewClient(client.apiKey, WithTimeout(500*time.Millisecond), WithMaxRetries(0))
	_, err = short.MCPs.Connect(l.ctx, m.ID)
	var connErr *ConnectionError
	if !errors.As(err, &connErr) || !connErr.Timeout {
		t.Fatalf("got %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(held) == 0 {
		t.Fatal("the gateway never reached the upstream")
	}
}
