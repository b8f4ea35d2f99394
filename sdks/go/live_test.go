package plexmcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Live tests against a running PlexMCP, skipped unless PLEXMCP_E2E=1. They need
// PLEXMCP_BASE_URL and an admin key in PLEXMCP_API_KEY (scopes mcps:write and keys:write);
// PLEXMCP_E2E_UPSTREAM_URL optionally sets the upstream of the MCPs created (never called).
// Everything created is removed at the end.

type live struct {
	t        *testing.T
	ctx      context.Context
	admin    *Client
	mode     string
	upstream string
	tag      string
}

func newLive(t *testing.T) *live {
	if os.Getenv("PLEXMCP_E2E") != "1" {
		t.Skip("live tests run with PLEXMCP_E2E=1, PLEXMCP_BASE_URL and an admin PLEXMCP_API_KEY")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	admin := NewClient(os.Getenv("PLEXMCP_API_KEY"))
	if err := admin.Err(); err != nil {
		t.Fatal(err)
	}
	me, err := admin.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	upstream := os.Getenv("PLEXMCP_E2E_UPSTREAM_URL")
	if upstream == "" {
		upstream = "https://mcp.example.com/mcp"
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return &live{t: t, ctx: ctx, admin: admin, mode: me.Mode, upstream: upstream, tag: "sdk-go-" + hex.EncodeToString(suffix)}
}

func (l *live) createMCP(name string) *MCP {
	l.t.Helper()
	m, err := l.admin.MCPs.Create(l.ctx, CreateMCPParams{Name: l.tag + "-" + name, Mode: l.mode, UpstreamURL: l.upstream})
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _, _ = l.admin.MCPs.Delete(context.Background(), m.ID) })
	return m
}

func (l *live) createKey(name string, mcpIDs ...string) *CreatedKey {
	l.t.Helper()
	perms := OnlyMCPs(mcpIDs...)
	k, err := l.admin.Keys.Create(l.ctx, CreateKeyParams{Name: l.tag + "-" + name, Mode: l.mode, Permissions: &perms, ExpiresIn: "30d"})
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
