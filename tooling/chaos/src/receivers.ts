import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

interface Listening {
  url: string;
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  pathName: string,
): Promise<Listening> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${pathName}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An MCP upstream that fails every request with 500: what makes a key's error rate spike. */
export async function startFailingUpstream(): Promise<Listening> {
  return listen((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream broke'));
  }, '/mcp');
}
