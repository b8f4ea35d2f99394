import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseApiKey } from '@plexmcp/contracts';
import { ConfigurationError } from './errors.js';
import { type CallOptions, HttpClient } from './http.js';
import { Alerts, Audit, Keys, Mcps, UsageResource, Webhooks } from './resources/resources.js';
import type { CurrentKey } from './types.js';

export const DEFAULT_BASE_URL = 'http://localhost:3000';
const VERSION = '0.1.0';

export interface PlexMCPOptions {
  /** Defaults to `process.env.PLEXMCP_API_KEY`. */
  apiKey?: string | undefined;
  /** Defaults to `process.env.PLEXMCP_BASE_URL`, else `http://localhost:3000`. */
  baseUrl?: string | undefined;
  /** Per-attempt timeout; default 30 s. Each call may pass its own `{ timeoutMs, signal }`. */
  timeoutMs?: number;
  /**
   * Retries for idempotent requests answered 429 `rate_limited`/503 or failing to connect;
   * default 2. A 429 `usage_limit_exceeded` is never retried.
   */
  maxRetries?: number;
  /** The longest `Retry-After` a retry waits for; a longer one fails the call at once. Default 60 s. */
  maxRetryAfterMs?: number;
  /** A custom fetch (tests, proxies); defaults to the global fetch of Node 20+. */
  fetch?: typeof fetch;
}

/**
 * The PlexMCP client. Validates the key locally at construction — a missing or malformed key
 * throws `ConfigurationError` before anything is sent, and the key never appears in a message.
 */
export class PlexMCP {
  readonly keys: Keys;
  readonly mcps: Mcps;
  readonly usage: UsageResource;
  readonly alerts: Alerts;
  readonly webhooks: Webhooks;
  readonly audit: Audit;
  private readonly http: HttpClient;
  private readonly timeoutMs: number;

  constructor(options: PlexMCPOptions = {}) {
    const apiKey = (options.apiKey ?? process.env.PLEXMCP_API_KEY)?.trim();
    if (!apiKey) {
      throw new ConfigurationError(
        'No API key: pass { apiKey } or set the PLEXMCP_API_KEY environment variable',
      );
    }
    if (!parseApiKey(apiKey)) {
      throw new ConfigurationError(
        'Malformed API key: expected pk_live_… or pk_test_… as shown once at creation (check for missing or extra characters)',
      );
    }
    const baseUrl = options.baseUrl ?? process.env.PLEXMCP_BASE_URL ?? DEFAULT_BASE_URL;
    try {
      const url = new URL(baseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    } catch {
      throw new ConfigurationError(`Invalid baseUrl: expected an http(s) URL, got "${baseUrl}"`);
    }
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new ConfigurationError('No fetch available: use Node 20+');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.http = new HttpClient({
      apiKey,
      baseUrl,
      timeoutMs: this.timeoutMs,
      maxRetries: options.maxRetries ?? 2,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      fetch: fetchImpl,
      userAgent: `plexmcp-sdk-typescript/${VERSION}`,
    });
    this.keys = new Keys(this.http);
    this.mcps = new Mcps(this.http, (id, callOptions) => this.connect(id, callOptions));
    this.usage = new UsageResource(this.http);
    this.alerts = new Alerts(this.http);
    this.webhooks = new Webhooks(this.http);
    this.audit = new Audit(this.http);
  }

  /** The calling key's own identity and policy (never the secret, name or usage dates). */
  async me(options?: CallOptions): Promise<CurrentKey> {
    return (await this.http.request<CurrentKey>('GET', '/v1/me', options)).data;
  }

  /** A connected MCP client whose requests go through the gateway with this key. */
  private async connect(mcpId: string, options: CallOptions): Promise<McpClient> {
    const transport = new StreamableHTTPClientTransport(new URL(this.mcps.endpoint(mcpId)), {
      requestInit: { headers: { Authorization: this.http.authorization } },
      fetch: this.http.fetchWithErrors(options),
    });
    const client = new McpClient({ name: 'plexmcp-sdk-typescript', version: VERSION });
    await client.connect(transport, {
      timeout: options.timeoutMs ?? this.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return client;
  }
}
