package plexmcp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrWebhookVerification is wrapped by every error of VerifyWebhook.
var ErrWebhookVerification = errors.New("plexmcp: webhook verification failed")

type webhookError struct{ reason string }

func (e *webhookError) Error() string        { return "plexmcp: webhook verification failed: " + e.reason }
func (e *webhookError) Is(target error) bool { return target == ErrWebhookVerification }

// DefaultWebhookTolerance is how far a delivery's timestamp may be from now.
const DefaultWebhookTolerance = 5 * time.Minute

func webhookKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return nil, &webhookError{"secret is not valid base64 after whsec_"}
	}
	return key, nil
}

func webhookMAC(key []byte, id string, timestamp int64, body []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return mac.Sum(nil)
}

// SignWebhook returns the Standard Webhooks signature `v1,<base64>` of one delivery: the
// HMAC-SHA256 of "id.timestamp.body" keyed with the base64-decoded part of the secret after
// `whsec_`.
func SignWebhook(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(webhookMAC(key, id, timestamp, body)), nil
}

// VerifyOptions tunes VerifyWebhookWithOptions.
type VerifyOptions struct {
	// Tolerance is how far the timestamp may be from Now; 0 means DefaultWebhookTolerance.
	Tolerance time.Duration
	// Now is the current time; zero means time.Now().
	Now time.Time
}

// VerifyWebhook checks a Standard Webhooks delivery (headers webhook-id, webhook-timestamp,
// webhook-signature) against the endpoint's `whsec_...` secret. Pass the raw body exactly as
// received. It rejects missing headers, timestamps more than 5 minutes from now and deliveries
// without a matching v1 signature (compared in constant time); errors match
// ErrWebhookVerification. Decode the JSON body yourself once it returns nil.
func VerifyWebhook(body []byte, header http.Header, secret string) error {
	return VerifyWebhookWithOptions(body, header, secret, VerifyOptions{})
}

// VerifyWebhookWithOptions is VerifyWebhook with another tolerance or clock.
func VerifyWebhookWithOptions(body []byte, header http.Header, secret string, opts VerifyOptions) error {
	id := header.Get("Webhook-Id")
	timestamp := header.Get("Webhook-Timestamp")
	signatures := header.Get("Webhook-Signature")
	if id == "" || timestamp == "" || signatures == "" {
		return &webhookError{"missing webhook headers"}
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return &webhookError{"invalid webhook-timestamp"}
	}
	tolerance := opts.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if math.Abs(float64(now.UnixMilli())/1000-float64(ts)) > tolerance.Seconds() {
		return &webhookError{"timestamp outside the tolerance window"}
	}
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	expected := webhookMAC(key, id, ts, body)
	matched := false
	for _, candidate := range strings.Split(signatures, " ") {
		version, value, found := strings.Cut(candidate, ",")
		if !found || version != "v1" || value == "" {
			continue
		}
		given, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			continue
		}
		if hmac.Equal(given, expected) {
			matched = true
		}
	}
	if !matched {
		return &webhookError{"no matching webhook signature"}
	}
	return nil
}
