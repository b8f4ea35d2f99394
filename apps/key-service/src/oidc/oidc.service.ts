import { Inject, Injectable } from '@nestjs/common';
import {
  type Actor,
  AppError,
  ErrorCode,
  type GetOidcConfigRequest,
  type OidcClient,
  type OidcConfigView,
  type OidcSignInRequest,
  type OpenedSession,
  OutboundAddressPolicy,
  type PutOidcConfigRequest,
} from '@plexmcp/contracts';
import { SERVICE_CONFIG, TransactionRunner, checkOutboundUrl } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ActorAuthority } from '../authorization/actor-authority.service.js';
import type { KeyServiceConfig } from '../config.js';
import { IdentityService } from '../identity/identity.service.js';
import { OidcSecretCipher } from './oidc-secret-cipher.js';
import { type OidcConfigRow, OidcRepository } from './oidc.repository.js';

const NOT_CONFIGURED = 'Single sign-on is not set up for this organization';
const PRIVATE_ISSUER =
  'issuer resolves to a private or loopback address; allow it with MCP_UPSTREAM_ALLOWED_NETWORKS';

const HTTPS_ONLY = 'issuer must use https (plain http only inside MCP_UPSTREAM_ALLOWED_NETWORKS)';

function toView(row: OidcConfigRow): OidcConfigView {
  return {
    object: 'oidc_config',
    organization_id: row.id,
    issuer: row.issuer,
    client_id: row.client_id,
    client_secret_set: true,
    allowed_email_domain: row.allowed_email_domain,
    default_role: row.default_role,
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/**
 * An organization's single sign-on: its owners set the provider (the client secret is sealed and
 * never shown again); the gateway, having run the flow, brings the provider's verified email,
 * which becomes a member — new ones with the configured role — and a session.
 */
@Injectable()
export class OidcService {
  private readonly addresses: OutboundAddressPolicy;

  constructor(
    private readonly repository: OidcRepository,
    private readonly cipher: OidcSecretCipher,
    private readonly tx: TransactionRunner,
    private readonly authority: ActorAuthority,
    private readonly audit: AuditService,
    private readonly identity: IdentityService,
    @Inject(SERVICE_CONFIG) config: KeyServiceConfig,
  ) {
    this.addresses = new OutboundAddressPolicy(config.MCP_UPSTREAM_ALLOWED_NETWORKS);
  }

  async get({ actor }: GetOidcConfigRequest): Promise<OidcConfigView> {
    await this.authority.authorize(actor, { kind: 'role', role: 'owner' });
    const row = await this.repository.find(actor.org_id);
    if (row === null) throw new AppError(ErrorCode.NotFound, NOT_CONFIGURED);
    return toView(row);
  }

  async put({ actor, body }: PutOidcConfigRequest): Promise<OidcConfigView> {
    await this.authority.authorize(actor, { kind: 'role', role: 'owner' });
    const check = await checkOutboundUrl(new URL(body.issuer), this.addresses);
    if (!check.ok && check.reason !== 'unresolvable') {
      throw new AppError(ErrorCode.ValidationError, PRIVATE_ISSUER, {
        details: [{ field: 'issuer', message: PRIVATE_ISSUER }],
      });
    }
    // Plain http only to a provider on a network the operator allowed (a lab or test provider).
    if (
      new URL(body.issuer).protocol === 'http:' &&
      !(check.ok && check.addresses.every((a) => this.addresses.classify(a) === 'allowed'))
    ) {
      throw new AppError(ErrorCode.ValidationError, HTTPS_ONLY, {
        details: [{ field: 'issuer', message: HTTPS_ONLY }],
      });
    }
    const issuer = body.issuer.replace(/\/+$/, '');
    const row = await this.tx.run(async (manager) => {
      const stored = await this.repository.upsert(manager, {
        id: actor.org_id,
        issuer,
        client_id: body.client_id,
        client_secret: this.cipher.seal(actor.org_id, body.client_secret),
        allowed_email_domain: body.allowed_email_domain,
        default_role: body.default_role,
      });
      await this.recordChange(manager, actor, {
        issuer,
        client_id: body.client_id,
        allowed_email_domain: body.allowed_email_domain,
        default_role: body.default_role,
      });
      return stored;
    });
    return toView(row);
  }

  async remove({ actor }: GetOidcConfigRequest): Promise<{ removed: boolean }> {
    await this.authority.authorize(actor, { kind: 'role', role: 'owner' });
    return this.tx.run(async (manager) => {
      const removed = await this.repository.remove(manager, actor.org_id);
      if (removed) await this.recordChange(manager, actor, null);
      return { removed };
    });
  }

  /** The gateway's: the provider and client (secret opened) of an organization. */
  async client(orgId: string): Promise<OidcClient> {
    const row = await this.repository.find(orgId);
    if (row === null) throw new AppError(ErrorCode.NotFound, NOT_CONFIGURED);
    return {
      issuer: row.issuer,
      client_id: row.client_id,
      client_secret: this.cipher.open(orgId, row.client_secret),
    };
  }

  /**
   * The gateway's, after the provider vouched for `email` (verified): refused when the
   * organization has no provider any more or the address is outside its allowed domain.
   */
  async signIn(request: OidcSignInRequest): Promise<OpenedSession> {
    const row = await this.repository.find(request.org_id);
    if (row === null) throw new AppError(ErrorCode.NotFound, NOT_CONFIGURED);
    const domain = request.email.slice(request.email.lastIndexOf('@') + 1).toLowerCase();
    if (row.allowed_email_domain !== null && domain !== row.allowed_email_domain) {
      throw new AppError(ErrorCode.Forbidden, `Only ${row.allowed_email_domain} addresses may sign in here`);
    }
    return this.identity.signInFederated(request.org_id, request.email, row.default_role, request);
  }

  /** The audit entry of a change: the provider as now set (never the secret), or null once removed. */
  private recordChange(
    manager: EntityManager,
    actor: Actor,
    oidc: Record<string, unknown> | null,
  ): Promise<void> {
    return this.audit.record(manager, {
      orgId: actor.org_id,
      actor,
      action: 'organization.updated',
      targetType: 'organization',
      targetId: actor.org_id,
      metadata: { changes: { oidc } },
    });
  }
}
