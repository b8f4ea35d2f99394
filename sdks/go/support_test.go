package plexmcp

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func loadVector(t *testing.T, name string, into interface{}) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatal(err)
	}
}

// generateKey returns a well-formed key (prefix, alphabet, checksum) that belongs to nobody.
func generateKey(t *testing.T, mode string) string {
	t.Helper()
	body := []byte("pk_" + mode + "_")
	for i := 0; i < keyRandomLength; i++ {
		n, err := rand.Int(rand.Reader, big.NewInt(62))
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, base62Alphabet[n.Int64()])
	}
	return string(body) + keyChecksum(string(body))
}

type reply struct {
	status int
	body   string
	header map[string]string
}

func ok(data string) reply { return reply{status: 200, body: `{"success":true,"data":` + data + `}`} }

func okPage(data, next string) reply {
	return reply{status: 200, body: `{"success":true,"data":` + data + `,"pagination":{"next_cursor":` + next + `}}`}
}

func fail(status int, code, message string, header map[string]string) reply {
	body, _ := json.Marshal(map[string]interface{}{
		"success": false,
		"error":   map[string]string{"code": code, "message": message, "request_id": "req_1"},
	})
	return reply{status: status, body: string(body), header: header}
}

type seenRequest struct {
	method, uri, authorization, userAgent string
	body                                  string
}

// scripted is a real HTTP server on 127.0.0.1 (free port) answering from a queue of replies.
type scripted struct {
	*httptest.Server
	mu      sync.Mutex
	replies []reply
	seen    []seenRequest
}

func newScripted(t *testing.T, replies ...reply) *scripted {
	s := &scripted{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, seenRequest{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("User-Agent"), string(body)})
		rep := reply{status: 500, body: `{"success":false}`}
		if len(s.replies) > 0 {
			rep, s.replies = s.replies[0], s.replies[1:]
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_header")
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest{}, s.seen...)
}

// newTestClient records backoff delays instead of sleeping.
func newTestClient(t *testing.T, s *scripted, opts ...Option) (*Client, *[]time.Duration) {
	t.Helper()
	c := NewClient(generateKey(t, "live"), append([]Option{WithBaseURL(s.URL)}, opts...)...)
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	var delays []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		delays = append(delays, d)
		return ctx.Err()
	}
	return c, &delays
}
