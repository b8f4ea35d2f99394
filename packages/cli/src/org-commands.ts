import {
  type CreateOrgRequest,
  type CreatedOrg,
  type OrganizationView,
  Subjects,
  type UpdateOrgRequest,
  createOrgRequestSchema,
  createdOrgSchema,
  getOrgRequestSchema,
  organizationViewSchema,
  updateOrgRequestSchema,
} from '@plexmcp/contracts';
import type { z } from 'zod';
import { UsageError } from './errors.js';
import type { RpcCaller } from './rpc.js';

/** Maps a schema field to the flag the user typed, so an error names what they can fix. */
const FLAG_BY_FIELD: Readonly<Record<string, string>> = {
  name: '--name',
  id: '--id',
  monthly_request_limit: '--monthly-limit',
  ip_allowlist: '--ip-allowlist',
  status: '--status',
};

function flagFor(path: string): string {
  const field = path.replace(/^body\./, '').split('.')[0] ?? path;
  return FLAG_BY_FIELD[field] ?? (field || 'input');
}

/** Checks the request locally with the same contract the key-service applies. */
function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
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
}

export async function createOrganization(rpc: RpcCaller, options: OrgCreateOptions): Promise<CreatedOrg> {
  if (options.name === undefined) throw new UsageError('--name is required');
  const input: Partial<CreateOrgRequest> = { name: options.name };
  const limit = parseLimit(options.monthlyLimit);
  if (limit !== undefined) input.monthly_request_limit = limit;
  const allowlist = parseAllowlist(options.ipAllowlist);
  if (allowlist !== undefined) input.ip_allowlist = allowlist;
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
