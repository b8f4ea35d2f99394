package plexmcp

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

type webhookVector struct {
	Secret    string `json:"secret"`
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Body      string `json:"body"`
	Signature string `json:"signature"`
}

func vectorHeaders(v webhookVector) http.Header {
	h := http.Header{}
	h.Set("webhook-id", v.ID)
	h.Set("webhook-timestamp", strconv.FormatInt(v.Timestamp, 10))
	h.Set("webhook-signature", v.Signature)
	return h
}

func TestSharedWebhookVector(t *testing.T) {
	var v webhookVector
	loadVector(t, "webhook-vector.json", &v)
	at := VerifyOptions{Now: time.Unix(v.Timestamp, 0)}

	sig, err := SignWebhook(v.Secret, v.ID, v.Timestamp, []byte(v.Body))
	if err != nil || sig != v.Signature {
		t.Fatalf("SignWebhook = %q, %v; want the TypeScript SDK's %q", sig, err, v.Signature)
	}
	if err := VerifyWebhookWithOptions([]byte(v.Body), vectorHeaders(v), v.Secret, at); err != nil {
		t.Fatalf("vector rejected: %v", err)
	}
	var payload struct {
		Type string            `json:"type"`
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal([]byte(v.Body), &payload); err != nil || payload.Data["city"] != "Willemstad, Curaçao — “test”" {
		t.Fatalf("vector body not UTF-8 JSON as expected: %v %+v", err, payload)
	}

	tampered := strings.Replace(v.Body, "CW", "CX", 1)
	if err := VerifyWebhookWithOptions([]byte(tampered), vectorHeaders(v), v.Secret, at); !errors.Is(err, ErrWebhookVerification) {
		t.Fatalf("tampered body: got %v", err)
	}
	other := vectorHeaders(v)
	other.Set("webhook-id", "msg_other")
	if err := VerifyWebhookWithOptions([]byte(v.Body), other, v.Secret, at); !errors.Is(err, ErrWebhookVerification) {
		t.Fatalf("other id: got %v", err)
	}
}

func TestVerifyWebhookRejections(t *testing.T) {
	secretBytes := make([]byte, 32)
	_, _ = rand.Read(secretBytes)
	secret := "whsec_" + base64.StdEncoding.EncodeToString(secretBytes)
	body := []byte(`{"type":"alert.error_spike","data":{}}`)
	ts := int64(1_700_000_000)
	sig, _ := SignWebhook(secret, "msg_1", ts, body)
	h := http.Header{}
	h.Set("Webhook-Id", "msg_1")
	h.Set("Webhook-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("Webhook-Signature", "v1,AAAA v2,xyz "+sig) // several signatures: any v1 match is enough
	at := func(sec int64) VerifyOptions { return VerifyOptions{Now: time.Unix(sec, 0)} }

	if err := VerifyWebhookWithOptions(body, h, secret, at(ts)); err != nil {
		t.Fatalf("valid delivery rejected: %v", err)
	}
	otherSecret := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	cases := map[string]error{
		"wrong secret":      VerifyWebhookWithOptions(body, h, otherSecret, at(ts)),
		"stale":             VerifyWebhookWithOptions(body, h, secret, at(ts+301)),
		"future":            VerifyWebhookWithOptions(body, h, secret, at(ts-301)),
		"missing headers":   VerifyWebhookWithOptions(body, http.Header{"Webhook-Id": {"msg_1"}}, secret, at(ts)),
		"default tolerance": VerifyWebhook(body, h, secret), // signed in 2023: far outside 5 minutes
	}
	for name, err := range cases {
		if !errors.Is(err, ErrWebhookVerification) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if err := VerifyWebhookWithOptions(body, h, secret, VerifyOptions{Now: time.Unix(ts+301, 0), Tolerance: time.Hour}); err != nil {
		t.Errorf("wider tolerance rejected: %v", err)
	}
}
