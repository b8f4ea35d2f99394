#!/bin/sh
# Lists the MCPs this key may use. PLEXMCP_BASE_URL defaults to a local `pnpm start`.
set -eu

curl -sS --fail-with-body -X GET "${PLEXMCP_BASE_URL:-http://localhost:3000}/v1/mcps" \
  -H "Authorization: Bearer $PLEXMCP_API_KEY"
