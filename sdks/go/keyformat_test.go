package plexmcp

import "testing"

func TestValidAPIKeyAcceptsKeysGeneratedByTheServerCode(t *testing.T) {
	var v struct {
		Valid   []string `json:"valid"`
		Invalid []struct{ Reason, Key string }
	}
	loadVector(t, "api-keys.json", &v)
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("empty vector")
	}
	for _, key := range v.Valid {
		if !ValidAPIKey(key) {
			t.Errorf("rejected valid key %s...", key[:12])
		}
	}
	for _, c := range v.Invalid {
		if ValidAPIKey(c.Key) {
			t.Errorf("accepted malformed key: %s", c.Reason)
		}
	}
}

func TestValidAPIKeyAcceptsFreshKeysOfBothModes(t *testing.T) {
	for _, mode := range []string{"live", "test"} {
		if key := generateKey(t, mode); !ValidAPIKey(key) {
			t.Errorf("rejected a fresh %s key", mode)
		}
	}
}
