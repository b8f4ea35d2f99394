import { PlexMCP } from '@plexmcp/sdk';

const client = new PlexMCP({
  apiKey: process.env.PLEXMCP_API_KEY,
});

// Every MCP this key may use, across all pages.
for await (const mcp of client.mcps.list()) {
  console.log(mcp.id, mcp.name);
}
