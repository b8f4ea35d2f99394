import { Injectable } from '@nestjs/common';
import {
  type Actor,
  AppError,
  CidrList,
  type CreateOrgRequest,
  type CreatedOrg,
  ErrorCode,
  type ListOrgsRequest,
  IdPrefix,
  type GetOwnOrgRequest,
  type OrgSettingsBody,
  type OrganizationView,
  type Page,
  type UpdateOrgRequest,
  type UpdateOwnOrgRequest,
  newId,
} from '@plexmcp/contracts';
import { TransactionRunner, decodeCursor, toPage } from '@plexmcp/service-kit';
import { AuditService } from '../audit/audit.service.js';
import { ActorAuthority } from '../authorization/actor-authority.service.js';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { ApiKeysService } from '../keys/api-keys.service.js';
import { IdentityService } from '../identity/identity.service.js';
import type { OrganizationEntity } from './organization.entity.js';
import { OrganizationsRepository } from './organizations.repository.js';

export function toOrganizationView(org: Omit<OrganizationEntity, 'version'>): OrganizationView {
  return {
    id: org.id,
    object: 'organization',
    name: org.name,
    status: org.status,
    monthly_request_limit: org.monthlyRequestLimit,
    ip_allowlist: org.ipAllowlist,
    revoke_leaked_test_keys: org.revokeLeakedTestKeys,
    created_at: org.createdAt.toISOString(),
  };
}

/**
 * Organizations are created over internal NATS only (the CLI). Their settings are changed by the
 * operator (the CLI) or by the organization itself through the gateway: one of its owners, acting
 * on their own organization only.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly orgs: OrganizationsRepository,
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly tx: TransactionRunner,
    private readonly events: KeyEventsPublisher,
    private readonly authority: ActorAuthority,
    private readonly identity: IdentityService,
  ) {}

  /**
   * The organization and its first admin key (and, with `owner_email`, its owner with a one-time
   * set-password link), atomically: there is never an org nobody can manage.
   */
  async create(request: CreateOrgRequest): Promise<CreatedOrg> {
    return this.tx.run(async (manager) => {
      const now = new Date();
      const org: Omit<OrganizationEntity, 'version'> = {
        id: newId(IdPrefix.Organization),
        name: request.name,
        status: 'active',
        monthlyRequestLimit: request.monthly_request_limit,
        ipAllowlist: request.ip_allowlist,
        revokeLeakedTestKeys: false,
        createdAt: now,
        updatedAt: now,
      };
      await this.orgs.insert(manager, org);
      await this.audit.record(manager, {
        orgId: org.id,
        actor: null,
        action: 'organization.created',
        targetType: 'organization',
        targetId: org.id,
        metadata: { name: org.name },
      });
      const adminKey = await this.keys.createAdminKey(manager, org.id);
      if (request.owner_email === undefined)
        return { organization: toOrganizationView(org), admin_key: adminKey };
      const owner = await this.identity.addMemberWithLink(manager, org.id, request.owner_email, 'owner');
      return { organization: toOrganizationView(org), admin_key: adminKey, owner };
    });
  }

  async get(id: string): Promise<OrganizationView> {
    const org = await this.orgs.findById(id);
    if (!org) throw new AppError(ErrorCode.NotFound, 'Organization not found');
    return toOrganizationView(org);
  }

  /** The caller's own organization: any valid caller of it may read it. */
  async getOwn({ actor }: GetOwnOrgRequest): Promise<OrganizationView> {
    await this.authority.authorize(actor, { kind: 'authenticated' });
    return this.get(actor.org_id);
  }

  /** Every organization, newest first (the operator's `plexmcp org list`). */
  async list({ page }: ListOrgsRequest): Promise<Page<OrganizationView>> {
    const rows = await this.orgs.list(decodeCursor(page.cursor), page.limit + 1);
    return toPage(rows, page.limit, toOrganizationView);
  }

  /** The operator's change (CLI): no acting key, any organization. */
  async update({ id, body }: UpdateOrgRequest): Promise<OrganizationView> {
    return this.applySettings(id, body, null);
  }

  /**
   * The organization's own change: an owner's (a person, never a key), decided by the one authority. An
   * allowlist that would shut out the very address making the change is refused, so an owner
   * cannot lock the organization out by mistake (the operator can still set any list).
   */
  async updateOwn({ actor, body }: UpdateOwnOrgRequest): Promise<OrganizationView> {
    await this.authority.authorize(actor, { kind: 'role', role: 'owner' });
    const allowlist = body.ip_allowlist;
    if (
      allowlist &&
      allowlist.length > 0 &&
      actor.ip !== null &&
      !new CidrList(allowlist).matches(actor.ip)
    ) {
      throw new AppError(ErrorCode.ValidationError, undefined, {
        details: [
          {
            field: 'ip_allowlist',
            message: `must include the address this request comes from (${actor.ip}), or the organization locks itself out`,
          },
        ],
      });
    }
    return this.applySettings(actor.org_id, body, actor);
  }

  /** Suspension, limits and allowlist apply to every key of the org: gateways evict them all first. */
  private async applySettings(
    id: string,
    body: OrgSettingsBody,
    actor: Pick<Actor, 'key_id' | 'ip'> | null,
  ): Promise<OrganizationView> {
    const updated = await this.tx.run(async (manager, { afterCommit }) => {
      const current = await this.orgs.lock(manager, id);
      if (!current) throw new AppError(ErrorCode.NotFound, 'Organization not found');
      const patch: Partial<
        Pick<
          OrganizationEntity,
          'name' | 'status' | 'monthlyRequestLimit' | 'ipAllowlist' | 'revokeLeakedTestKeys'
        >
      > = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.status !== undefined) patch.status = body.status;
      if (body.monthly_request_limit !== undefined) patch.monthlyRequestLimit = body.monthly_request_limit;
      if (body.ip_allowlist !== undefined) patch.ipAllowlist = body.ip_allowlist;
      if (body.revoke_leaked_test_keys !== undefined)
        patch.revokeLeakedTestKeys = body.revoke_leaked_test_keys;
      const next = await this.orgs.update(manager, current, patch, new Date());
      await this.audit.record(manager, {
        orgId: id,
        actor,
        action: 'organization.updated',
        targetType: 'organization',
        targetId: id,
        metadata: { changes: body },
      });
      afterCommit(() => this.events.publish({ type: 'org.updated', org_id: next.id, version: next.version }));
      return next;
    });
    return toOrganizationView(updated);
  }
}
