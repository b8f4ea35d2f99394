package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/plexmcp/plexmcp-go"
)

func main() {
	client := plexmcp.NewClient(os.Getenv("PLEXMCP_API_KEY"))
	if err := client.Err(); err != nil {
		log.Fatal(err) // missing or malformed key: nothing was sent
	}

	// Every MCP this key may use, across all pages.
	mcps := client.MCPs.List(context.Background(), nil)
	for mcps.Next() {
		fmt.Println(mcps.Current().ID, mcps.Current().Name)
	}
	if err := mcps.Err(); err != nil {
		log.Fatal(err)
	}
}
