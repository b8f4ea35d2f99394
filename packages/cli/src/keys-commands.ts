import {
  type ApiKeyView,
  type CreatedKey,
  EXPIRES_IN,
  Subjects,
  createKeyRequestSchema,
  createdKeySchema,
  apiKeyViewSchema,
  keyByIdRequestSchema,
  keyPageSchema,
  listKeysRequestSchema,
} from '@plexmcp/contracts';
import type { Command } from 'commander';
import { type CommandContext, operatorActor } from './context.js';
import { UsageError } from './errors.js';
import { getOrganization, parseInput } from './org-commands.js';
import { type RpcCaller, allPages } from './rpc.js';

export interface KeyCreateOptions {
  org?: string | undefined;
  name?: string | undefined;
  mode?: string | undefined;
  mcps?: string | undefined;
  scopes?: string | undefined;
  expiresIn?: string | undefined;
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** A key in an organization, made by the operator (the audit log records no acting key). */
export async function createKey(rpc: RpcCaller, options: KeyCreateOptions): Promise<CreatedKey> {
  const actor = operatorActor(options.org);
  if (options.name === undefined) throw new UsageError('--name is required');
  const body: Record<string, unknown> = { name: options.name };
  if (options.mode !== undefined) body.mode = options.mode;
  if (options.mcps !== undefined)
    body.permissions = { mcps: options.mcps === '*' ? '*' : list(options.mcps) };
  if (options.scopes !== undefined) body.scopes = list(options.scopes);
  if (options.expiresIn !== undefined) body.expires_in = options.expiresIn;
  const request = parseInput(createKeyRequestSchema, { actor, body });
  // The operator acts for the organization it names: it must exist (not_found otherwise).
  await getOrganization(rpc, actor.org_id);
  return rpc.call(Subjects.keys.create, request, createdKeySchema);
}

/** Every key of an organization, page after page. */
export async function listKeys(rpc: RpcCaller, orgId: string | undefined): Promise<ApiKeyView[]> {
  const actor = operatorActor(orgId);
  parseInput(listKeysRequestSchema, { actor, page: {} });
  await getOrganization(rpc, actor.org_id);
  return allPages((page) =>
    rpc.call(Subjects.keys.list, parseInput(listKeysRequestSchema, { actor, page }), keyPageSchema),
  );
}

export async function revokeKey(
  rpc: RpcCaller,
  orgId: string | undefined,
  id: string | undefined,
): Promise<ApiKeyView> {
  const actor = operatorActor(orgId);
  if (id === undefined) throw new UsageError('--id is required');
  return rpc.call(Subjects.keys.revoke, parseInput(keyByIdRequestSchema, { actor, id }), apiKeyViewSchema);
}

function keyLine(key: ApiKeyView): string {
  const mcps = key.permissions.mcps === '*' ? 'every MCP' : `${key.permissions.mcps.length} MCP(s)`;
  return `${key.id}  ${key.status.padEnd(7)}  ${key.mode}  ${key.prefix}…${key.last4}  expires ${key.expires_at}  ${mcps}  ${key.name}`;
}

interface KeyFlags extends KeyCreateOptions {
  id?: string;
  json?: boolean;
}

/** `plexmcp keys …`: the operator's hand on an organization's keys, e.g. to revoke a leaked one. */
export function registerKeysCommands(program: Command, ctx: CommandContext): void {
  const keys = program.command('keys').description("create, list and revoke an organization's API keys");

  keys
    .command('create')
    .description(
      'Create an API key in an organization. Its secret is printed once and cannot be shown again.',
    )
    .option('--org <org_id>', 'the organization (required)')
    .option('--name <name>', 'the key name (required)')
    .option('--mode <mode>', 'live or test (default live)')
    .option('--mcps <mcp_id,…|*>', 'the MCPs it may use (default every MCP: *)')
    .option('--scopes <scope,…>', 'management scopes (default none)')
    .option('--expires-in <period>', `${EXPIRES_IN.join(', ')} (default 90d)`)
    .option('--json', 'print one JSON object')
    .action(async (flags: KeyFlags) => {
      const created = await createKey(await ctx.rpc(), flags);
      ctx.print(flags.json, { key: created.key, secret: created.secret }, () => [
        `Key ${created.key.id} (${created.key.name}) created in ${created.key.organization_id}, expires ${created.key.expires_at}:`,
        '',
        `  ${created.secret}`,
        '',
        'Store this key now: it is shown only once.',
      ]);
    });

  keys
    .command('list')
    .description('List every key of an organization (never a secret).')
    .option('--org <org_id>', 'the organization (required)')
    .option('--json', 'print one JSON object')
    .action(async (flags: KeyFlags) => {
      const found = await listKeys(await ctx.rpc(), flags.org);
      ctx.print(flags.json, { keys: found }, () =>
        found.length > 0 ? found.map(keyLine) : [`No keys in ${flags.org}.`],
      );
    });

  keys
    .command('revoke')
    .description('Revoke a key at once: every gateway refuses it within seconds.')
    .option('--org <org_id>', 'its organization (required)')
    .option('--id <key_id>', 'the key (required)')
    .option('--json', 'print one JSON object')
    .action(async (flags: KeyFlags) => {
      const revoked = await revokeKey(await ctx.rpc(), flags.org, flags.id);
      ctx.print(flags.json, { key: revoked }, () => [
        `Key ${revoked.id} (${revoked.name}) ${revoked.status}.`,
      ]);
    });
}
