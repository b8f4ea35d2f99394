// Command verify-webhook checks captured webhook deliveries with the Go SDK's VerifyWebhook.
//
// Usage: go run . CAPTURE.json, where CAPTURE.json is
// {"secret": "whsec_...", "cases": [{"name": ..., "body": <raw body text>, "headers": {...}}]}.
// It prints one line per case: "<name> accepted <payload type>" or "<name> rejected: <reason>".
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/plexmcp/plexmcp-go"
)

type capture struct {
	Secret string `json:"secret"`
	Cases  []struct {
		Name    string            `json:"name"`
		Body    string            `json:"body"`
		Headers map[string]string `json:"headers"`
	} `json:"cases"`
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: verify-webhook CAPTURE.json")
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	var c capture
	if err := json.Unmarshal(raw, &c); err != nil {
		log.Fatal(err)
	}
	for _, tc := range c.Cases {
		header := http.Header{}
		for name, value := range tc.Headers {
			header.Set(name, value)
		}
		body := []byte(tc.Body)
		if err := plexmcp.VerifyWebhook(body, header, c.Secret); err != nil {
			if !errors.Is(err, plexmcp.ErrWebhookVerification) {
				log.Fatalf("%s: unexpected error type: %v", tc.Name, err)
			}
			fmt.Printf("%s rejected: %v\n", tc.Name, err)
			continue
		}
		var payload struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(body, &payload); err != nil {
			log.Fatalf("%s: verified body is not JSON: %v", tc.Name, err)
		}
		fmt.Printf("%s accepted %s\n", tc.Name, payload.Type)
	}
}
