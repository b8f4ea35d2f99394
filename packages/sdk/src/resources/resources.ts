import type { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import type { HttpClient } from '../http.js';
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
): PagePromise<T> {
  return new PagePromise<T>((cursor) =>
    http.request<T[]>('GET', path, {
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
  list(params: ListParams = {}): PagePromise<T> {
    return list(this.http, this.path, { ...params });
  }
  protected at(id: string, rest = ''): string {
    return `${this.path}/${seg(id)}${rest}`;
  }
  protected send<R = T>(method: Method, path: string | null, body?: unknown): Promise<R> {
    return data(this.http.request<R>(method, path ?? this.path, body === undefined ? {} : { body }));
  }
}

export class Keys extends Collection<ApiKey> {
  constructor(http: HttpClient) {
    super(http, '/v1/keys');
  }
  create(params: CreateKeyParams): Promise<KeyWithSecret> {
    return this.send('POST', null, params);
  }
  get(id: string): Promise<ApiKey> {
    return this.send('GET', this.at(id));
  }
  update(id: string, params: UpdateKeyParams): Promise<ApiKey> {
    return this.send('PATCH', this.at(id), params);
  }
  revoke(id: string): Promise<ApiKey> {
    return this.send('DELETE', this.at(id));
  }
  rotate(id: string, params: RotateKeyParams = {}): Promise<RotatedKeyResult> {
    return this.send('POST', this.at(id, '/rotate'), params);
  }
  override list(params: ListKeysParams = {}): PagePromise<ApiKey> {
    return super.list(params);
  }
  /** Refused like a revoked key (every gateway evicts it before this returns) until `enable`. */
  disable(id: string): Promise<ApiKey> {
    return this.update(id, { status: 'disabled' });
  }
  enable(id: string): Promise<ApiKey> {
    return this.update(id, { status: 'active' });
  }
}

export class Mcps extends Collection<Mcp> {
  constructor(
    http: HttpClient,
    private readonly connector: (mcpId: string) => Promise<McpClient>,
  ) {
    super(http, '/v1/mcps');
  }
  /** A connected MCP client (from @modelcontextprotocol/sdk) that goes through the gateway. */
  connect(mcpId: string): Promise<McpClient> {
    return this.connector(mcpId);
  }
  get(id: string): Promise<Mcp> {
    return this.send('GET', this.at(id));
  }
  create(params: CreateMcpParams): Promise<Mcp> {
    return this.send('POST', null, params);
  }
  update(id: string, params: UpdateMcpParams): Promise<Mcp> {
    return this.send('PATCH', this.at(id), params);
  }
  delete(id: string): Promise<Mcp> {
    return this.send('DELETE', this.at(id));
  }
  /** The MCP's Streamable HTTP endpoint on the gateway. */
  endpoint(id: string): string {
    return this.http.url(this.at(id, '/mcp'));
  }
}

export class UsageResource {
  constructor(private readonly http: HttpClient) {}
  /** Organization-wide usage. */
  get(params: UsageParams = {}): Promise<Usage> {
    return data(this.http.request('GET', '/v1/usage', { query: params }));
  }
  forKey(keyId: string, params: UsageParams = {}): Promise<Usage> {
    return data(this.http.request('GET', `/v1/keys/${seg(keyId)}/usage`, { query: params }));
  }
}

export class Alerts extends Collection<Alert> {
  constructor(http: HttpClient) {
    super(http, '/v1/alerts');
  }
  override list(
    params: ListParams & { status?: string; key_id?: string; type?: string } = {},
  ): PagePromise<Alert> {
    return super.list(params);
  }
  ack(id: string): Promise<Alert> {
    return this.send('POST', this.at(id, '/ack'));
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
  create(params: CreateWebhookParams): Promise<WebhookWithSecret> {
    return this.send('POST', null, params);
  }
  delete(id: string): Promise<Webhook> {
    return this.send('DELETE', this.at(id));
  }
  deliveries(id: string, params: ListParams = {}): PagePromise<WebhookDelivery> {
    return list(this.http, this.at(id, '/deliveries'), { ...params });
  }
  test(id: string): Promise<WebhookDelivery> {
    return this.send('POST', this.at(id, '/test'));
  }
}

export class Audit extends Collection<AuditEntry> {
  constructor(http: HttpClient) {
    super(http, '/v1/audit');
  }
}
