module github.com/plexmcp/plexmcp-go

go 1.19
