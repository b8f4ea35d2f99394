module github.com/plexmcp/plexmcp/tooling/sdk-tests/verifiers/go

go 1.19

require github.com/plexmcp/plexmcp-go v0.0.0

replace github.com/plexmcp/plexmcp-go => ../../../../sdks/go
