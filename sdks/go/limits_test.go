package plexmcp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAUsageLimitIsNeverRetriedEvenOnAnIdempotentRequest(t *testing.T) {
	s := newScripted(t, fail(429, "usage_limit_exceeded", "Daily limit reached", map[string]string{"Retry-After": "2"}), ok(`{"id":"mcp_1"}`))
	c, delays := newTestClient(t, s, WithMaxRetries(5))
	_, err := c.MCPs.Delete(context.Background(), "mcp_1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUsageLimitExceeded) || apiErr.RetryAfter != 2*time.Second {
		t.Fatalf("got %v", err)
	}
	if n := len(s.requests()); n != 1 || len(*delays) != 0 {
		t.Fatalf("%d requests, delays %v", n, *delays)
	}
}

func TestRetryAfterIsWaitedUpToTheCapAndALongerOneReturnsAtOnce(t *testing.T) {
	s := newScripted(t, fail(429, "rate_limited", "slow", map[string]string{"Retry-After": "5"}), ok(`{"id":"key_1"}`))
	c, delays := newTestClient(t, s, WithMaxRetryWait(5*time.Second))
	if me, err := c.Me(context.Background()); err != nil || me.ID != "key_1" || len(*delays) != 1 || (*delays)[0] != 5*time.Second {
		t.Fatalf("Me = %+v, %v, delays %v", me, err, *delays)
	}

	s = newScripted(t, fail(429, "rate_limited", "slow", map[string]string{"Retry-After": "6"}), ok(`{"id":"key_1"}`))
	c, delays = newTestClient(t, s, WithMaxRetryWait(5*time.Second))
	_, err := c.Me(context.Background())
	if !errors.Is(err, ErrRateLimited) || len(s.requests()) != 1 || len(*delays) != 0 {
		t.Fatalf("got %v after %d requests, delays %v", err, len(s.requests()), *delays)
	}

	// A wait that would end past the context's deadline is not started either.
	s = newScripted(t, fail(429, "rate_limited", "slow", map[string]string{"Retry-After": "3"}), ok(`{"id":"key_1"}`))
	c, delays = newTestClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Me(ctx); !errors.Is(err, ErrRateLimited) || len(*delays) != 0 {
		t.Fatalf("got %v, delays %v", err, *delays)
	}
}

func TestRetryAfterAsAnHTTPDate(t *testing.T) {
	when := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	s := newScripted(t, fail(429, "rate_limited", "slow", map[string]string{"Retry-After": when}))
	c, _ := newTestClient(t, s, WithMaxRetries(0))
	_, err := c.Me(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter < 25*time.Second || apiErr.RetryAfter > 31*time.Second {
		t.Fatalf("got %v (RetryAfter %v)", err, apiErr.RetryAfter)
	}
}

func TestTheContextBoundsTheWholeCall(t *testing.T) {
	release := make(chan struct{})
	srv := newScripted(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	c := NewClient(generateKey(t, "live"), WithBaseURL(srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	started := time.Now()
	if _, err := c.MCPs.Get(ctx, "mcp_1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if elapsed := time.Since(started); elapsed > 1500*time.Millisecond {
		t.Fatalf("took %v", elapsed)
	}
}

// mcpServer scripts an MCP endpoint: answers by JSON-RPC method, and records what it saw.
type mcpServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
	body []map[string]interface{}
}

func sse(messages ...string) string {
	var b strings.Builder
	b.WriteString(": comment\n\n")
	for _, m := range messages {
		b.WriteString("event: message\ndata: " + m + "\n\n")
	}
	return b.String()
}

func newMCPServer(t *testing.T, handle func(w http.ResponseWriter, method string, id json.RawMessage)) *mcpServer {
	s := &mcpServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		var body map[string]interface{}
		_ = json.Unmarshal(raw, &msg)
		_ = json.Unmarshal(raw, &body)
		s.mu.Lock()
		s.seen = append(s.seen, r)
		s.body = append(s.body, body)
		s.mu.Unlock()
		if r.Method == http.MethodDelete {
			msg.Method = "DELETE"
		}
		handle(w, msg.Method, msg.ID)
	}))
	t.Cleanup(s.Close)
	return s
}

const initResult = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"up","version":"1"}}`

func TestMCPSessionInitializesListsAndCallsToolsOverJSONAndSSE(t *testing.T) {
	s := newMCPServer(t, func(w http.ResponseWriter, method string, id json.RawMessage) {
		switch method {
		case "initialize":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Mcp-Session-Id", "sess-1")
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(id)+`,"result":`+initResult+`}`)
		case "notifications/initialized":
			w.WriteHeader(http.StatusAccepted)
		case "tools/list":
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, sse(`{"jsonrpc":"2.0","method":"notifications/message","params":{}}`,
				`{"jsonrpc":"2.0","id":`+string(id)+`,"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}}`))
		case "tools/call":
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, sse(`{"jsonrpc":"2.0","id":`+string(id)+`,"result":{"content":[{"type":"text","text":"echo: hi"}]}}`))
		case "DELETE":
			w.WriteHeader(http.StatusOK)
		}
	})
	c := NewClient(generateKey(t, "live"), WithBaseURL(s.URL))
	ctx := context.Background()
	mcp, err := c.MCPs.Connect(ctx, "mcp_1")
	if err != nil {
		t.Fatal(err)
	}
	if mcp.Server().ServerInfo.Name != "up" || mcp.SessionID() != "sess-1" {
		t.Fatalf("server %+v, session %q", mcp.Server(), mcp.SessionID())
	}
	tools, err := mcp.ListTools(ctx, "")
	if err != nil || len(tools.Tools) != 1 || tools.Tools[0].Name != "echo" || tools.Tools[0].InputSchema["type"] != "object" {
		t.Fatalf("tools = %+v, %v", tools, err)
	}
	result, err := mcp.CallTool(ctx, "echo", map[string]interface{}{"text": "hi"})
	if err != nil || len(result.Content) != 1 || result.Content[0].Text != "echo: hi" || result.IsError {
		t.Fatalf("result = %+v, %v", result, err)
	}
	if err := mcp.Close(ctx); err != nil {
		t.Fatal(err)
	}

	if len(s.seen) != 5 || s.seen[0].URL.Path != "/v1/mcps/mcp_1/mcp" || s.seen[4].Method != http.MethodDelete {
		t.Fatalf("requests: %d", len(s.seen))
	}
	if s.seen[0].Header.Get("Mcp-Session-Id") != "" || !strings.Contains(s.seen[0].Header.Get("Accept"), "text/event-stream") ||
		!strings.HasPrefix(s.seen[0].Header.Get("Authorization"), "Bearer pk_live_") {
		t.Fatalf("initialize headers: %v", s.seen[0].Header)
	}
	for _, r := range s.seen[1:] {
		if r.Header.Get("Mcp-Session-Id") != "sess-1" || r.Header.Get("MCP-Protocol-Version") != "2025-06-18" {
			t.Fatalf("%s headers: %v", r.Method, r.Header)
		}
	}
	if args := s.body[3]["params"].(map[string]interface{}); args["name"] != "echo" {
		t.Fatalf("tools/call params: %v", args)
	}
}

func TestMCPRefusalsAreTypedAndJSONRPCErrorsAreMCPErrors(t *testing.T) {
	forbidden := newScripted(t, fail(403, "forbidden", "API key does not have permission for this resource", nil))
	c := NewClient(generateKey(t, "live"), WithBaseURL(forbidden.URL))
	if _, err := c.MCPs.Connect(context.Background(), "mcp_1"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("got %v", err)
	}

	var calls atomic.Int32
	s := newMCPServer(t, func(w http.ResponseWriter, method string, id json.RawMessage) {
		w.Header().Set("Content-Type", "application/json")
		switch method {
		case "initialize":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(id)+`,"result":`+initResult+`}`)
		case "notifications/initialized":
			w.WriteHeader(http.StatusAccepted)
		case "tools/call":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(id)+`,"error":{"code":-32602,"message":"Unknown tool: nope"}}`)
		default:
			calls.Add(1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"success":false,"error":{"code":"usage_limit_exceeded","message":"Usage limit reached","request_id":"req_1"}}`)
		}
	})
	c = NewClient(generateKey(t, "live"), WithBaseURL(s.URL), WithMaxRetries(3))
	mcp, err := c.MCPs.Connect(context.Background(), "mcp_1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = mcp.CallTool(context.Background(), "nope", nil)
	var mcpErr *MCPError
	if !errors.As(err, &mcpErr) || mcpErr.Code != -32602 || mcpErr.Message != "Unknown tool: nope" {
		t.Fatalf("got %v", err)
	}
	if _, err := mcp.ListTools(context.Background(), ""); !errors.Is(err, ErrUsageLimitExceeded) || calls.Load() != 1 {
		t.Fatalf("got %v after %d calls", err, calls.Load())
	}
}
