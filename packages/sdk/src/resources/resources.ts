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

export class Keys {
  constructor(private readonly http: HttpClient) {}
  create(params: CreateKeyParams): Promise<KeyWithSecret> {
    return data(this.http.request('POST', '/v1/keys', { body: params }));
  }
  list(params: ListParams = {}): PagePromise<ApiKey> {
    return list(this.http, '/v1/keys', { ...params });
  }
  get(id: string): Promise<ApiKey> {
    return data(this.http.request('GET', `/v1/keys/${seg(id)}`));
  }
  update(id: string, params: UpdateKeyParams): Promise<ApiKey> {
    return data(this.http.request('PATCH', `/v1/keys/${seg(id)}`, { body: params }));
  }
  revoke(id: string): Promise<ApiKey> {
    return data(this.http.request('DELETE', `/v1/keys/${seg(id)}`));
  }
  rotate(id: string, params: RotateKeyParams = {}): Promise<RotatedKeyResult> {
    return data(this.http.request('POST', `/v1/keys/${seg(id)}/rotate`, { body: params }));
  }
}

export class Mcps {
  constructor(
    private readonly http: HttpClient,
    private readonly connector: (mcpId: string) => Promise<McpClient>,
  ) {}
  /** A connected MCP client (from @modelcontextprotocol/sdk) that goes through the gateway. */
  connect(mcpId: string): Promise<McpClient> {
    return this.connector(mcpId);
  }
  list(params: ListParams = {}): PagePromise<Mcp> {
    return list(this.http, '/v1/mcps', { ...params });
  }
  get(id: string): Promise<Mcp> {
    return data(this.http.request('GET', `/v1/mcps/${seg(id)}`));
  }
  create(params: CreateMcpParams): Promise<Mcp> {
    return data(this.http.request('POST', '/v1/mcps', { body: params }));
  }
  update(id: string, params: UpdateMcpParams): Promise<Mcp> {
    return data(this.http.request('PATCH', `/v1/mcps/${seg(id)}`, { body: params }));
  }
  delete(id: string): Promise<Mcp> {
    return data(this.http.request('DELETE', `/v1/mcps/${seg(id)}`));
  }
  /** The MCP's Streamable HTTP endpoint on the gateway. */
  endpoint(id: string): string {
    return this.http.url(`/v1/mcps/${seg(id)}/mcp`);
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

export class Alerts {
  constructor(private readonly http: HttpClient) {}
  list(params: ListParams & { status?: string; key_id?: string; type?: string } = {}): PagePromise<Alert> {
    return list(this.http, '/v1/alerts', { ...params });
  }
  ack(id: string): Promise<Alert> {
    return data(this.http.request('POST', `/v1/alerts/${seg(id)}/ack`));
  }
}

export class Webhooks {
  constructor(private readonly http: HttpClient) {}
  create(params: CreateWebhookParams): Promise<WebhookWithSecret> {
    return data(this.http.request('POST', '/v1/webhooks', { body: params }));
  }
  list(params: ListParams = {}): PagePromise<Webhook> {
    return list(this.http, '/v1/webhooks', { ...params });
  }
  delete(id: string): Promise<Webhook> {
    return data(this.http.request('DELETE', `/v1/webhooks/${seg(id)}`));
  }
  deliveries(id: string, params: ListParams = {}): PagePromise<WebhookDelivery> {
    return list(this.http, `/v1/webhooks/${seg(id)}/deliveries`, { ...params });
  }
  test(id: string): Promise<WebhookDelivery> {
    return data(this.http.request('POST', `/v1/webhooks/${seg(id)}/test`));
  }
}

export class Audit {
  constructor(private readonly http: HttpClient) {}
  list(params: ListParams = {}): PagePromise<AuditEntry> {
    return list(this.http, '/v1/audit', { ...params });
  }
}
