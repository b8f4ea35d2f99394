import os

from plexmcp import PlexMCP

client = PlexMCP(api_key=os.environ["PLEXMCP_API_KEY"])

# Every MCP this key may use, across all pages.
for mcp in client.mcps.list():
    print(mcp.id, mcp.name)
