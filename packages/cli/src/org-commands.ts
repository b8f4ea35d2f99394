import {
  type CreateOrgRequest,
  type CreatedOrg,
  type OrganizationView,
  Subjects,
  type UpdateOrgRequest,
  createOrgRequestSchema,
  createdOrgSchema,
  getOrgRequestSchema,
  listOrgsRequestSchema,
  orgPageSchema,
  organizationViewSchema,
  updateOrgRequestSchema,
} from '@plexmcp/contracts';
import type { Command } from 'commander';
import type { z } from 'zod';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';
import { type RpcCaller, allPages } from './rpc.js';

/** Maps a schema field to the flag the user typed, so an error names what they can fix. */
const FLAG_BY_FIELD: Readonly<Record<string, string>> = {
  name: '--name',
  id: '--id',
  monthly_request_limit: '--monthly-limit',
  ip_allowlist: '--ip-allowlist',
  owner_email: '--owner-email',
  status: '--status',
  org_id: '--org',
  mode: '--mode',
  permissions: '--mcps',
  scopes: '--scopes',
  expires_in: '--expires-in',
  cursor: '--cursor',
};

function flagFor(path: string): string {
  const field = path.replace(/^(body|actor|page)\./, '').split('.')[0] ?? path;
  return FLAG_BY_FIELD[field] ?? (field || 'input');
}

/** Checks the request locally with the same contract the key-service applies. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${flagFor(i.path.map(String).join('.'))}: ${i.message}`);
  throw new UsageError(problems.join('\n'));
}

export function parseLimit(text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'none') return null;
  if (!/^[0-9]+$/.test(text))
    throw new UsageError(`--monthly-limit: expected a positive whole number or "none", got "${text}"`);
  return Number(text);
}

export function parseAllowlist(text: string | undefined): string[] | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'none' || text === '') return null;
  return text.split(',').map((c) => c.trim());
}

export interface OrgCreateOptions {
  name: string | undefined;
  monthlyLimit?: string | undefined;
  ipAllowlist?: string | undefined;
  ownerEmail?: string | undefined;
}

export async function createOrganization(rpc: RpcCaller, options: OrgCreateOptions): Promise<CreatedOrg> {
  if (options.name === undefined) throw new UsageError('--name is required');
  const input: Partial<CreateOrgRequest> = { name: options.name };
  const limit = parseLimit(options.monthlyLimit);
  if (limit !== undefined) input.monthly_request_limit = limit;
  const allowlist = parseAllowlist(options.ipAllowlist);
  if (allowlist !== undefined) input.ip_allowlist = allowlist;
  if (options.ownerEmail !== undefined) input.owner_email = options.ownerEmail;
  const request = parseInput(createOrgRequestSchema, input);
  return rpc.call(Subjects.orgs.create, request, createdOrgSchema);
}

export interface OrgUpdateOptions {
  id: string | undefined;
  name?: string | undefined;
  status?: string | undefined;
  monthlyLimit?: string | undefined;
  ipAllowlist?: string | undefined;
}

export async function updateOrganization(
  rpc: RpcCaller,
  options: OrgUpdateOptions,
): Promise<OrganizationView> {
  if (options.id === undefined) throw new UsageError('--id is required');
  const body: UpdateOrgRequest['body'] = {};
  if (options.name !== undefined) body.name = options.name;
  if (options.status !== undefined) body.status = options.status as 'active' | 'suspended';
  const limit = parseLimit(options.monthlyLimit);
  if (limit !== undefined) body.monthly_request_limit = limit;
  const allowlist = parseAllowlist(options.ipAllowlist);
  if (allowlist !== undefined) body.ip_allowlist = allowlist;
  if (Object.keys(body).length === 0) {
    throw new UsageError('nothing to update: give --status, --monthly-limit, --ip-allowlist or --name');
  }
  const request = parseInput(updateOrgRequestSchema, { id: options.id, body });
  return rpc.call(Subjects.orgs.update, request, organizationViewSchema);
}

export async function getOrganization(rpc: RpcCaller, id: string | undefined): Promise<OrganizationView> {
  if (id === undefined) throw new UsageError('--id is required');
  return rpc.call(Subjects.orgs.get, parseInput(getOrgRequestSchema, { id }), organizationViewSchema);
}

/** Every organization, page after page, newest first. */
export function listOrganizations(rpc: RpcCaller): Promise<OrganizationView[]> {
  return allPages((page) =>
    rpc.call(Subjects.orgs.list, parseInput(listOrgsRequestSchema, { page }), orgPageSchema),
  );
}

function describeOrganization(org: OrganizationView): string[] {
  return [
    `Organization ${org.name} (${org.id})`,
    `  status:         ${org.status}`,
    `  monthly limit:  ${org.monthly_request_limit ?? 'none'}`,
    `  IP allowlist:   ${org.ip_allowlist && org.ip_allowlist.length > 0 ? org.ip_allowlist.join(', ') : 'any address'}`,
  ];
}

interface OrgFlags {
  id?: string;
  ownerEmail?: string;
  name?: string;
  status?: string;
  monthlyLimit?: string;
  ipAllowlist?: string;
  json?: boolean;
}

/** `plexmcp org …`: organizations and their first admin key. */
export function registerOrgCommands(program: Command, ctx: CommandContext): void {
  const org = program.command('org').description('create, list, show and change organizations');

  org
    .command('create')
    .description(
      'Create an organization and its first admin key (live, all scopes, every MCP, 90 days).\n' +
        "The key's secret is printed once and cannot be shown again.",
    )
    .option('--name <name>', 'the organization name (required)')
    .option('--monthly-limit <n>', 'monthly live-request limit')
    .option('--ip-allowlist <cidr,cidr>', 'addresses its keys may be used from')
    .option(
      '--owner-email <email>',
      'also make this person its owner, and print their one-time link to set a password and sign in',
    )
    .option('--json', 'print one JSON object')
    .action(async (flags: OrgFlags) => {
      const created = await createOrganization(await ctx.rpc(), {
        name: flags.name,
        monthlyLimit: flags.monthlyLimit,
        ipAllowlist: flags.ipAllowlist,
        ownerEmail: flags.ownerEmail,
      });
      const owner = created.owner;
      ctx.print(
        flags.json,
        {
          organization: { id: created.organization.id, name: created.organization.name },
          admin_key: {
            id: created.admin_key.key.id,
            secret: created.admin_key.secret,
            expires_at: created.admin_key.key.expires_at,
          },
          ...(owner === undefined
            ? {}
            : {
                owner: {
                  id: owner.user_id,
                  email: owner.email,
                  set_password_url: owner.set_password_url,
                  expires_at: owner.expires_at,
                },
              }),
        },
        () => [
          `Organization ${created.organization.name} (${created.organization.id}) created.`,
          `Admin key ${created.admin_key.key.id}, expires ${created.admin_key.key.expires_at}:`,
          '',
          `  ${created.admin_key.secret}`,
          '',
          'Store this key now: it is shown only once.',
          ...(owner === undefined
            ? []
            : [
                '',
                `Owner ${owner.email}: open this link to set a password and sign in (once, until ${owner.expires_at}):`,
                '',
                `  ${owner.set_password_url}`,
              ]),
        ],
      );
    });

  org
    .command('update')
    .description('Suspend or reactivate an organization, change its monthly limit, IP allowlist or name.')
    .option('--id <org_id>', 'the organization (required)')
    .option('--status <status>', 'active or suspended')
    .option('--monthly-limit <n|none>', 'monthly live-request limit, or none')
    .option('--ip-allowlist <cidr,cidr|none>', 'addresses its keys may be used from, or none')
    .option('--name <name>', 'a new name')
    .option('--json', 'print one JSON object')
    .action(async (flags: OrgFlags) => {
      const updated = await updateOrganization(await ctx.rpc(), {
        id: flags.id,
        name: flags.name,
        status: flags.status,
        monthlyLimit: flags.monthlyLimit,
        ipAllowlist: flags.ipAllowlist,
      });
      ctx.print(flags.json, { organization: updated }, () => describeOrganization(updated));
    });

  org
    .command('list')
    .description('List every organization, newest first.')
    .option('--json', 'print one JSON object')
    .action(async (flags: OrgFlags) => {
      const orgs = await listOrganizations(await ctx.rpc());
      ctx.print(flags.json, { organizations: orgs }, () =>
        orgs.length > 0
          ? orgs.map((o) => `${o.id}  ${o.status.padEnd(9)}  ${o.created_at}  ${o.name}`)
          : ['No organizations yet: create one with plexmcp org create --name <name>.'],
      );
    });

  org
    .command('get')
    .description('Show an organization.')
    .option('--id <org_id>', 'the organization (required)')
    .option('--json', 'print one JSON object')
    .action(async (flags: OrgFlags) => {
      const found = await getOrganization(await ctx.rpc(), flags.id);
      ctx.print(flags.json, { organization: found }, () => describeOrganization(found));
    });
}
