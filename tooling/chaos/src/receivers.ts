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

/** One webhook request as the receiver got it. */
export interface ReceivedWebhook {
  webhookId: string;
  type: string;
  /** `data.id` of the payload (the alert id for alert events). */
  dataId: string | null;
}

/** A webhook endpoint on loopback that answers 200 and records every delivery it receives. */
export interface WebhookReceiver extends Listening {
  readonly received: ReceivedWebhook[];
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const listening = await listen((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      try {
        const parsed = JSON.parse(body) as { type?: string; data?: { id?: string } };
        received.push({
          webhookId: String(req.headers['webhook-id'] ?? ''),
          type: parsed.type ?? '',
          dataId: parsed.data?.id ?? null,
        });
      } catch {
        received.push({
          webhookId: String(req.headers['webhook-id'] ?? ''),
          type: 'unparsable',
          dataId: null,
        });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }, '/hooks');
  return { ...listening, received };
}

/** An MCP upstream that fails every request with 500: what makes a key's error rate spike. */
export async function startFailingUpstream(): Promise<Listening> {
  return listen((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream broke'));
  }, '/mcp');
}
