import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A real MCP server (the MCP SDK's own) over Streamable HTTP, with one `echo` tool. */
export interface UpstreamMcp {
  url: string;
  /** Headers of every request it received, to prove what the gateway forwarded. */
  seen: IncomingHttpHeaders[];
  /** Tools called here (`tools/call` names), to prove what the gateway forwarded. */
  called: string[];
  close(): Promise<void>;
}

function buildServer(options: UpstreamOptions, called: string[]): McpServer {
  const server = new McpServer({ name: 'upstream-weather', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes the text back', inputSchema: { text: z.string() } },
    ({ text }) => {
      called.push('echo');
      return { content: [{ type: 'text', text: `echo: ${text}` }] };
    },
  );
  if (options.slow) {
    server.registerTool(
      'wait',
      {
        description: 'Answers after `ms` milliseconds',
        inputSchema: { ms: z.number().int().min(0).max(60_000) },
      },
      async ({ ms }) => {
        called.push('wait');
        await new Promise((resolve) => setTimeout(resolve, ms).unref());
        return { content: [{ type: 'text', text: `waited ${ms} ms` }] };
      },
    );
  }
  for (const name of options.tools ?? []) {
    server.registerTool(name, { description: `The ${name} tool` }, () => {
      called.push(name);
      return { content: [{ type: 'text', text: `${name} called` }] };
    });
  }
  return server;
}

export interface UpstreamOptions {
  /** Answer with plain JSON bodies instead of SSE streams. */
  json?: boolean;
  /** Also offer a `wait` tool that answers after `ms` milliseconds (for client timeouts). */
  slow?: boolean;
  /** Tools offered beside `echo`, each answering `"<name> called"`. */
  tools?: readonly string[];
}

export async function startUpstreamMcp(options: UpstreamOptions = {}): Promise<UpstreamMcp> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const seen: IncomingHttpHeaders[] = [];
  const called: string[] = [];
  const http: Server = createServer((req, res) => {
    seen.push({ ...req.headers });
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (transport === undefined) {
      if (typeof sessionId === 'string') {
        res.writeHead(404).end();
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.json === true,
        onsessioninitialized: (id) => {
          sessions.set(id, created);
        },
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      transport = created;
      void buildServer(options, called).connect(created);
    }
    void transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    called,
    async close() {
      for (const t of sessions.values()) await t.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
