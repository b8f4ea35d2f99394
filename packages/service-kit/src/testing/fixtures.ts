import {
  type Actor,
  type CreatedKey,
  type CreatedOrg,
  type McpView,
  Subjects,
  createdKeySchema,
  createdOrgSchema,
  mcpViewSchema,
  organizationViewSchema,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '../nats.js';

/** The acting key of management calls: the key of a created key or organization's admin key. */
export function actorOf(
  created: { key: { id: string; organization_id: string } },
  ip: string | null = null,
): Actor {
  return { org_id: created.key.organization_id, key_id: created.key.id, ip };
}

/**
 * Organizations, MCPs and keys made over internal RPC, as the gateway and the CLI make them, with
 * test defaults a call may override field by field.
 */
export interface ManagementFixtures {
  /** An organization ("Acme" unless named) and its first admin key. */
  createOrg(body?: Record<string, unknown>): Promise<CreatedOrg>;
  suspendOrg(orgId: string): Promise<void>;
  /** A live MCP "Weather" at the fixtures' default upstream URL. */
  createMcp(actor: Actor, body?: Record<string, unknown>): Promise<McpView>;
  /** A key "Worker" with the key-service's defaults. */
  createKey(actor: Actor, body?: Record<string, unknown>): Promise<CreatedKey>;
}

export function managementFixtures(
  rpc: NatsRpcClient,
  { upstreamUrl }: { upstreamUrl: string },
): ManagementFixtures {
  return {
    createOrg: (body = {}) => rpc.call(Subjects.orgs.create, { name: 'Acme', ...body }, createdOrgSchema),
    async suspendOrg(orgId) {
      await rpc.call(
        Subjects.orgs.update,
        { id: orgId, body: { status: 'suspended' } },
        organizationViewSchema,
      );
    },
    createMcp: (actor, body = {}) =>
      rpc.call(
        Subjects.mcps.create,
        { actor, body: { name: 'Weather', mode: 'live', upstream_url: upstreamUrl, ...body } },
        mcpViewSchema,
      ),
    createKey: (actor, body = {}) =>
      rpc.call(Subjects.keys.create, { actor, body: { name: 'Worker', ...body } }, createdKeySchema),
  };
}

/** An MCP `initialize` request: the first call of any MCP session, as suites send it through the proxy. */
export function mcpInitializeRequest(clientName = 'plexmcp-test'): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: clientName, version: '1.0.0' },
    },
  };
}
