package plexmcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Configuration errors, reported by Client.Err and returned by every call of a client built with
// them (nothing is sent). Their messages never contain the key.
var (
	ErrMissingAPIKey   = errors.New("plexmcp: no API key: pass one to NewClient or set PLEXMCP_API_KEY")
	ErrMalformedAPIKey = errors.New("plexmcp: malformed API key: expected pk_live_... or pk_test_... as shown once at creation (check for missing or extra characters)")
	ErrInvalidBaseURL  = errors.New("plexmcp: invalid base URL: expected an http(s) URL")
)

// Kind is the class of an API error, one per wire error code. The exported Err* values of this
// type are sentinels for errors.Is:
//
//	if errors.Is(err, plexmcp.ErrForbidden) { ... }
type Kind struct{ code string }

func (k *Kind) Error() string { return "plexmcp: " + k.code }

// Code is the wire error code this kind stands for.
func (k *Kind) Code() string { return k.code }

// Sentinels for errors.Is, one per wire error code. ErrUsageLimitExceeded also matches
// ErrRateLimited (both are 429 with RetryAfter), though only a rate limit is ever retried;
// ErrUpstreamTimeout also matches ErrUpstream.
var (
	ErrValidation         = &Kind{"validation_error"}
	ErrUnauthorized       = &Kind{"unauthorized"}
	ErrForbidden          = &Kind{"forbidden"}
	ErrNotFound           = &Kind{"not_found"}
	ErrConflict           = &Kind{"conflict"}
	ErrPayloadTooLarge    = &Kind{"payload_too_large"}
	ErrRateLimited        = &Kind{"rate_limited"}
	ErrUsageLimitExceeded = &Kind{"usage_limit_exceeded"}
	ErrUpstream           = &Kind{"upstream_error"}
	ErrUpstreamTimeout    = &Kind{"upstream_timeout"}
	ErrServiceUnavailable = &Kind{"service_unavailable"}
	ErrInternal           = &Kind{"internal_error"}
	errUnknown            = &Kind{"unknown_error"}
	kindsByCode           = map[string]*Kind{}
	kindsByStatus         = map[int]*Kind{400: ErrValidation, 401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 409: ErrConflict, 413: ErrPayloadTooLarge, 429: ErrRateLimited, 502: ErrUpstream, 503: ErrServiceUnavailable, 504: ErrUpstreamTimeout}
	errKinds              = []*Kind{ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrPayloadTooLarge, ErrRateLimited, ErrUsageLimitExceeded, ErrUpstream, ErrUpstreamTimeout, ErrServiceUnavailable, ErrInternal}
)

func init() {
	for _, k := range errKinds {
		kindsByCode[k.code] = k
	}
}

// ErrorDetail names one invalid field of a validation error.
type ErrorDetail struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// APIError is an error answer of the API (the envelope `{"success":false,"error":{...}}`).
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the wire error code, e.g. "forbidden" ("unknown_error" if the body had none).
	Code string
	// Message is the server's message; it never contains the key.
	Message string
	// RequestID identifies the request in the server's logs (from the body or X-Request-Id).
	RequestID string
	// Details lists the invalid fields of a validation error.
	Details []ErrorDetail
	// RetryAfter is the wait the server asked for (Retry-After), 0 when absent.
	RetryAfter time.Duration
	// Header holds the response headers (RateLimit-* and the like).
	Header http.Header

	kind *Kind
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("plexmcp: %d %s: %s", e.Status, e.Code, e.Message)
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	return msg
}

// Is reports whether target is the sentinel of this error's kind (see ErrUnauthorized etc.).
func (e *APIError) Is(target error) bool {
	k, ok := target.(*Kind)
	if !ok || e.kind == nil {
		return false
	}
	switch {
	case k == e.kind:
		return true
	case k == ErrRateLimited:
		return e.kind == ErrUsageLimitExceeded
	case k == ErrUpstream:
		return e.kind == ErrUpstreamTimeout
	}
	return false
}

type wireError struct {
	Code      string        `json:"code"`
	Message   string        `json:"message"`
	RequestID string        `json:"request_id"`
	Details   []ErrorDetail `json:"details"`
}

func newAPIError(status int, body *wireError, header http.Header) *APIError {
	if body == nil {
		body = &wireError{}
	}
	e := &APIError{Status: status, Code: body.Code, Message: body.Message, RequestID: body.RequestID, Details: body.Details, Header: header}
	if e.Code == "" {
		e.Code = errUnknown.code
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d", status)
	}
	if e.RequestID == "" && header != nil {
		e.RequestID = header.Get("X-Request-Id")
	}
	e.kind = kindsByCode[body.Code]
	if e.kind == nil {
		e.kind = kindsByStatus[status]
	}
	if e.kind == nil && status >= 500 {
		e.kind = ErrInternal
	}
	if d, ok := parseRetryAfter(header); ok {
		e.RetryAfter = d
	}
	return e
}

func parseRetryAfter(header http.Header) (time.Duration, bool) {
	if header == nil {
		return 0, false
	}
	v := header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	var seconds float64
	if _, err := fmt.Sscanf(v, "%g", &seconds); err != nil {
		when, derr := http.ParseTime(v) // the HTTP-date form
		if derr != nil {
			return 0, false
		}
		if d := time.Until(when); d > 0 {
			return d, true
		}
		return 0, true
	}
	if seconds < 0 {
		return 0, false
	}
	return time.Duration(seconds * float64(time.Second)), true
}

// MCPError is a JSON-RPC error answered by the MCP server behind the gateway (e.g. -32602,
// an unknown tool). Refusals by the gateway itself are *APIError.
type MCPError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
	// Status is the HTTP status the error came with.
	Status int `json:"-"`
}

func (e *MCPError) Error() string { return fmt.Sprintf("plexmcp: MCP error %d: %s", e.Code, e.Message) }

// ErrConnection matches (errors.Is) any *ConnectionError: the request got no HTTP answer.
var ErrConnection = errors.New("plexmcp: connection error")

// ConnectionError means the request never got an HTTP answer (network failure or timeout).
type ConnectionError struct {
	// Timeout is true when the attempt exceeded the client's timeout.
	Timeout bool
	Err     error
	origin  string
}

func (e *ConnectionError) Error() string {
	if e.Timeout {
		return "plexmcp: request to " + e.origin + " timed out"
	}
	return "plexmcp: could not reach PlexMCP at " + e.origin + ": " + e.Err.Error()
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrConnection) true.
func (e *ConnectionError) Is(target error) bool { return target == ErrConnection }
