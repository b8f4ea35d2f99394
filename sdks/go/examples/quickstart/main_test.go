package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// captureStdout runs f and returns what it printed.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, r)
		done <- buf.String()
	}()
	defer func() { os.Stdout = saved }()
	f()
	w.Close()
	return <-done
}

// The README snippet, run against a local server answering two pages.
func TestQuickstartListsEveryMCP(t *testing.T) {
	if os.Getenv("PLEXMCP_E2E") == "1" {
		t.Skip("the live suite runs the quickstart against the real system")
	}
	key := "pk_live_Si4c7VtDGZw2mz6PCQxCoJjQ9gw0QgpE4gOMtl" // format-valid test vector, no account
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key || r.URL.Path != "/v1/mcps" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprint(w, `{"success":true,"data":[{"id":"mcp_1","name":"docs"}],"pagination":{"next_cursor":"c2"}}`)
			return
		}
		fmt.Fprint(w, `{"success":true,"data":[{"id":"mcp_2","name":"search"}],"pagination":{"next_cursor":null}}`)
	}))
	defer srv.Close()
	t.Setenv("PLEXMCP_API_KEY", key)
	t.Setenv("PLEXMCP_BASE_URL", srv.URL)

	out := captureStdout(t, main)
	if got := strings.Split(strings.TrimSpace(out), "\n"); len(got) != 2 || got[0] != "mcp_1 docs" || got[1] != "mcp_2 search" {
		t.Fatalf("quickstart printed %q", out)
	}
}
