import type { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallOptions, HttpClient } from '../http.js';
import { PagePromise } from '../pagination.js';
import type {
  Alert,
  ApiKey,
  AuditEntry,
  CreateKeyParams,
  CreateMcpParams,
  CreateWebhookParams,
  KeyWithSecret,
  ListParams,
  ListKeysParams,
  AlertThresholds,
  UpdateAlertThresholdsParams,
  Mcp,
  RotateKeyParams,
  RotatedKeyResult,
  UpdateKeyParams,
  UpdateMcpParams,
  Usage,
  UsageParams,
  Webhook,
  WebhookDelivery,
  WebhookWithSecret,
} from '../types.js';

const seg = (id: string): string => encodeURIComponent(id);

function list<T>(
  http: HttpClient,
  path: string,
  params: ListParams & Record<string, unknown> = {},
  options: CallOptions = {},
): PagePromise<T> {
  return new PagePromise<T>((cursor) =>
    http.request<T[]>('GET', path, {
      ...options,
      query: { ...(params as Record<string, string | number | undefined>), cursor: cursor ?? params.cursor },
    }),
  );
}

async function data<T>(promise: Promise<{ data: T }>): Promise<T> {
  return (await promise).data;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What every listed resource shares: its path, `list` across pages, and requests to the
 * collection or to one member (`/<path>/<id><rest>`) that answer with the envelope's `data`.
 */
abstract class Collection<T> {
  constructor(
    protected readonly http: HttpClient,
    private readonly path: string,
  ) {}
  /** One page when awaited; every item across pages with `for await`. `options` apply to each page. */
  list(params: ListParams = {}, options?: CallOptions): PagePromise<T> {
    return list(this.http, this.path, { ...params }, options);
  }
  protected at(id: string, rest = ''): string {
    return `${this.path}/${seg(id)}${rest}`;
  }
  protected send<R = T>(
    method: Method,
    path: string | null,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<R> {
    return data(
      this.http.request<R>(method, path ?? this.path, body === undefined ? options : { ...options, body }),
    );
  }
}

export class Keys extends Collection<ApiKey> {
  constructor(http: HttpClient) {
    super(http, '/v1/keys');
  }
  create(params: CreateKeyParams, options?: CallOptions): Promise<KeyWithSecret> {
    return this.send('POST', null, params, options);
  }
  get(id: string, options?: CallOptions): Promise<ApiKey> {
    return this.send('GET', this.at(id), undefined, options);
  }
  update(id: string, params: UpdateKeyParams, options?: CallOptions): Promise<ApiKey> {
    return this.send('PATCH', this.at(id), params, options);
  }
  revoke(id: string, options?: CallOptions): Promise<ApiKey> {
    return this.send('DELETE', this.at(id), undefined, options);
  }
  rotate(id: string, params: RotateKeyParams = {}, options?: CallOptions): Promise<RotatedKeyResult> {
    return this.send('POST', this.at(id, '/rotate'), params, options);
  }
  override list(params: ListKeysParams = {}, options?: CallOptions): PagePromise<ApiKey> {
    return super.list(params, options);
  }
  /** Refused like a revoked key (every gateway evicts it before this returns) until `enable`. */
  disable(id: string, options?: CallOptions): Promise<ApiKey> {
    return this.update(id, { status: 'disabled' }, options);
  }
  enable(id: string, options?: CallOptions): Promise<ApiKey> {
    return this.update(id, { status: 'active' }, options);
  }
}

export class Mcps extends Collection<Mcp> {
  constructor(
    http: HttpClient,
    private readonly connector: (mcpId: string, options: CallOptions) => Promise<McpClient>,
  ) {
    super(http, '/v1/mcps');
  }
  /**
   * A connected MCP client (from @modelcontextprotocol/sdk) that goes through the gateway. The
   * gateway's refusals reject its calls as this SDK's typed errors (`UsageLimitExceededError`,
   * `AuthenticationError`…). `options` bound the connection (the initialize handshake) and, with
   * `signal`, every request of the client; give each MCP call its own `{ timeout, signal }` too.
   */
  connect(mcpId: string, options: CallOptions = {}): Promise<McpClient> {
    return this.connector(mcpId, options);
  }
  get(id: string, options?: CallOptions): Promise<Mcp> {
    return this.send('GET', this.at(id), undefined, options);
  }
  create(params: CreateMcpParams, options?: CallOptions): Promise<Mcp> {
    return this.send('POST', null, params, options);
  }
  update(id: string, params: UpdateMcpParams, options?: CallOptions): Promise<Mcp> {
    return this.send('PATCH', this.at(id), params, options);
  }
  delete(id: string, options?: CallOptions): Promise<Mcp> {
    return this.send('DELETE', this.at(id), undefined, options);
  }
  /** The MCP's Streamable HTTP endpoint on the gateway. */
  endpoint(id: string): string {
    return this.http.url(this.at(id, '/mcp'));
  }
}

export class UsageResource {
  constructor(private readonly http: HttpClient) {}
  /** Organization-wide usage. */
  get(params: UsageParams = {}, options?: CallOptions): Promise<Usage> {
    return data(this.http.request('GET', '/v1/usage', { ...options, query: params }));
  }
  forKey(keyId: string, params: UsageParams = {}, options?: CallOptions): Promise<Usage> {
    return data(this.http.request('GET', `/v1/keys/${seg(keyId)}/usage`, { ...options, query: params }));
  }
}

export class Alerts extends Collection<Alert> {
  constructor(http: HttpClient) {
    super(http, '/v1/alerts');
  }
  override list(
    params: ListParams & { status?: string; key_id?: string; type?: string } = {},
    options?: CallOptions,
  ): PagePromise<Alert> {
    return super.list(params, options);
  }
  ack(id: string, options?: CallOptions): Promise<Alert> {
    return this.send('POST', this.at(id, '/ack'), undefined, options);
  }
  /** The organization's anomaly thresholds: those in force, and its own overrides. */
  thresholds(): Promise<AlertThresholds> {
    return this.send('GET', this.at('thresholds'));
  }
  setThresholds(params: UpdateAlertThresholdsParams): Promise<AlertThresholds> {
    return this.send('PUT', this.at('thresholds'), params);
  }
}

export class Webhooks extends Collection<Webhook> {
  constructor(http: HttpClient) {
    super(http, '/v1/webhooks');
  }
  create(params: CreateWebhookParams, options?: CallOptions): Promise<WebhookWithSecret> {
    return this.send('POST', null, params, options);
  }
  delete(id: string, options?: CallOptions): Promise<Webhook> {
    return this.send('DELETE', this.at(id), undefined, options);
  }
  deliveries(id: string, params: ListParams = {}, options?: CallOptions): PagePromise<WebhookDelivery> {
    return list(this.http, this.at(id, '/deliveries'), { ...params }, options);
  }
  test(id: string, options?: CallOptions): Promise<WebhookDelivery> {
    return this.send('POST', this.at(id, '/test'), undefined, options);
  }
}

export class Audit extends Collection<AuditEntry> {
  constructor(http: HttpClient) {
    super(http, '/v1/audit');
  }
}
