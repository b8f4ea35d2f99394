import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
}

/**
 * A customer's webhook endpoint on loopback: it keeps every request's path, headers and raw body
 * and answers `status`. It listens on `port`, or on a free port chosen at its first start (and the
 * same one after a restart); `url` is known before it starts when `port` is given.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  status: number;
  private port: number;
  private readonly path: string;
  private server: Server | null = null;

  constructor({
    port = 0,
    status = 204,
    path = '/hooks',
  }: { port?: number; status?: number; path?: string } = {}) {
    this.port = port;
    this.status = status;
    this.path = path;
  }

  /** A started receiver. */
  static async start(options?: ConstructorParameters<typeof WebhookReceiver>[0]): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(options);
    await receiver.start();
    return receiver;
  }

  get url(): string {
    if (this.port === 0) throw new Error('the receiver has no port before its first start');
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address === 'object' && address) this.port = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The requests whose JSON body has this `type` (`alert.created`, `webhook.test`, …). */
  ofType(type: string): ReceivedRequest[] {
    return this.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === type);
  }
}
