import { type IncomingHttpHeaders, type IncomingMessage, type Server, createServer } from 'node:http';

/**
 * A plain HTTP upstream with scripted behaviours, for what the real MCP server cannot be made to
 * do: `/echo` answers JSON with hostile response headers, `/hold` opens an SSE stream and keeps it
 * open, `/json` answers once the request body has arrived, `/silent` never answers. Every
 * request's headers and body (as UTF-8 text, filled in as it arrives) are kept.
 */
export interface ScriptedUpstream {
  origin: string;
  seen: { path: string; headers: IncomingHttpHeaders; body: string }[];
  /** `/hold` requests whose connection is still open. */
  holding: Set<IncomingMessage>;
  /** Resolves when the number of open `/hold` requests reaches `n`. */
  waitHolding(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const HOSTILE_RESPONSE_HEADERS: Record<string, string | string[]> = {
  'set-cookie': ['plexmcp_session=planted; Path=/', 'tracker=1; Path=/'],
  'x-frame-options': 'ALLOWALL',
  'content-security-policy': "default-src *; script-src 'unsafe-inline'",
  'strict-transport-security': 'max-age=0',
  'x-content-type-options': 'sniff',
  'alt-svc': 'h2="evil.example:443"',
  'clear-site-data': '"cookies"',
  'x-request-id': 'upstream-request-id',
  'mcp-session-id': 'raw-upstream-session',
};

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const seen: ScriptedUpstream['seen'] = [];
  const holding = new Set<IncomingMessage>();
  const waiters: (() => void)[] = [];
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const entry = { path, headers: { ...req.headers }, body: '' };
    seen.push(entry);
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      entry.body += chunk;
    });
    switch (path) {
      case '/echo': {
        const body = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { headers: req.headers } });
        res.writeHead(200, {
          ...HOSTILE_RESPONSE_HEADERS,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      case '/hold':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(': open\n\n');
        holding.add(req);
        res.on('close', () => {
          holding.delete(req);
          notify();
        });
        notify();
        return;
      case '/json':
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"jsonrpc":"2.0","id":1,"result":{}}');
        });
        return;
      case '/silent':
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    holding,
    async waitHolding(n, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (holding.size !== n) {
        if (Date.now() > deadline) throw new Error(`${holding.size} /hold streams open, expected ${n}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
