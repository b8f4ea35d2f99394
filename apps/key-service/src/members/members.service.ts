import { Inject, Injectable } from '@nestjs/common';
import {
  type AcceptInvitationRequest,
  type AcceptedInvitation,
  type Actor,
  AppError,
  type CreateInvitationRequest,
  ErrorCode,
  IdPrefix,
  type InvitationPreview,
  type InvitationView,
  type ListRequest,
  type MemberView,
  type Page,
  type PreviewInvitationRequest,
  type DeleteMemberRequest,
  type DeletedMember,
  type RevokeInvitationRequest,
  type Role,
  type UpdateMemberRequest,
  newId,
  roleAtLeast,
} from '@plexmcp/contracts';
import {
  type TransactionHooks,
  TransactionRunner,
  decodeCursor,
  rowPosition,
  toPage,
} from '@plexmcp/service-kit';
import { SYSTEM_ACTOR } from '../audit/actor-identity.js';
import { AuditService } from '../audit/audit.service.js';
import { ActorAuthority } from '../authorization/actor-authority.service.js';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { IdentityRepository } from '../identity/identity.repository.js';
import { IdentityService } from '../identity/identity.service.js';
import { MAIL_TRANSPORT, type MailTransport } from '../identity/mail.js';
import { issueToken } from '../identity/one-time-tokens.js';
import { hashPassword } from '../identity/passwords.js';
import { type InvitationRow, type MemberRow, MembersRepository } from './members.repository.js';

const memberNotFound = () => new AppError(ErrorCode.NotFound, 'Member not found');
const invitationNotFound = () => new AppError(ErrorCode.NotFound, 'Invitation not found');
const INVITATION_UNUSABLE = 'This invitation link is invalid, used or expired: ask for a new one';
const OWNERS_ONLY = 'Only an owner may invite, promote, demote or remove owners';
const LAST_OWNER = 'The organization must keep at least one owner';

/** Who manages members: a person with at least `admin` (the operator, with no session, is an owner). */
interface Manager {
  role: Role;
  userId: string | null;
}

/**
 * The people of an organization: its members (list, change role, remove) and the invitations that
 * bring new ones in. Nobody hands out or takes away more than they hold: an admin manages admins,
 * developers and viewers; only an owner invites, promotes, demotes or removes owners; the last
 * owner stays. A member whose role changes or who is removed is evicted from every gateway before
 * the call answers — removed, their sessions end; a new role applies to their next request.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly members: MembersRepository,
    private readonly people: IdentityRepository,
    private readonly identity: IdentityService,
    private readonly authority: ActorAuthority,
    private readonly audit: AuditService,
    private readonly tx: TransactionRunner,
    private readonly events: KeyEventsPublisher,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
  ) {}

  /** Every member may see who else is in the organization. */
  async list({ actor, page }: ListRequest): Promise<Page<MemberView>> {
    await this.authority.authorize(actor, { kind: 'role', role: 'viewer' });
    const rows = await this.members.list(actor.org_id, decodeCursor(page.cursor), page.limit);
    return toPage(rows, page.limit, (row) => toMemberView(row, actor.org_id), rowPosition);
  }

  async update({ actor, user_id, body }: UpdateMemberRequest): Promise<MemberView> {
    const caller = await this.manager(actor);
    return this.tx.run(async (manager, hooks) => {
      const { member, owners } = await this.members.lockForChange(manager, actor.org_id, user_id);
      if (member === null) throw memberNotFound();
      this.mayTouch(caller, member.role, body.role);
      if (member.role === body.role) return toMemberView(member, actor.org_id);
      if (member.role === 'owner' && owners <= 1) throw new AppError(ErrorCode.Conflict, LAST_OWNER);
      const now = new Date();
      await this.members.setRole(manager, actor.org_id, user_id, body.role, now);
      // The sessions stay; every gateway drops what it cached, so the next request gets the new role.
      this.evict(hooks, await this.members.liveSessionHashes(manager, actor.org_id, user_id, now));
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'member.role_changed',
        targetType: 'member',
        targetId: user_id,
        metadata: { email: member.email, from: member.role, to: body.role },
      });
      return toMemberView({ ...member, role: body.role }, actor.org_id);
    });
  }

  /** Removes a member: their sessions in this organization end on every gateway before this answers. */
  async remove({ actor, user_id }: DeleteMemberRequest): Promise<DeletedMember> {
    const caller = await this.manager(actor);
    return this.tx.run(async (manager, hooks) => {
      const { member, owners } = await this.members.lockForChange(manager, actor.org_id, user_id);
      if (member === null) throw memberNotFound();
      this.mayTouch(caller, member.role, member.role);
      if (member.role === 'owner' && owners <= 1) throw new AppError(ErrorCode.Conflict, LAST_OWNER);
      const now = new Date();
      await this.people.deleteMembership(manager, actor.org_id, user_id);
      const ended = await this.people.revokeSessions(manager, { userId: user_id, orgId: actor.org_id }, now);
      this.evict(hooks, ended);
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'member.removed',
        targetType: 'member',
        targetId: user_id,
        metadata: { email: member.email, role: member.role, sessions_ended: ended.length },
      });
      return { user_id, sessions_ended: ended.length };
    });
  }

  // ---- invitations ----------------------------------------------------------------------

  /** Mails a one-time link; an earlier pending invitation of the same address stops working. */
  async invite({ actor, body }: CreateInvitationRequest): Promise<InvitationView> {
    const caller = await this.manager(actor);
    this.mayTouch(caller, body.role, body.role);
    const now = Date.now();
    const at = new Date(now);
    const token = issueToken('invitation', now);
    const id = newId(IdPrefix.OneTimeToken);
    const row = await this.tx.run(async (manager, hooks) => {
      const existing = await this.people.findUserByEmail(body.email, manager);
      if (
        existing !== null &&
        (await this.people.memberships(existing.id, manager)).some((m) => m.orgId === actor.org_id)
      ) {
        throw new AppError(ErrorCode.Conflict, 'This person is already a member of the organization');
      }
      await this.members.deletePendingInvitations(manager, actor.org_id, body.email);
      await this.members.insertInvitation(manager, {
        id,
        tokenHash: token.hash,
        kind: 'invitation',
        userId: null,
        orgId: actor.org_id,
        email: body.email,
        role: body.role,
        expiresAt: token.expiresAt,
        createdByUserId: caller.userId,
        createdAt: at,
      });
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'invitation.created',
        targetType: 'invitation',
        targetId: id,
        metadata: { email: body.email, role: body.role, expires_at: token.expiresAt.toISOString() },
      });
      const created = (await this.members.invitation(id, actor.org_id, manager))!;
      // Mailed once committed: a rolled-back invitation never reaches anyone.
      hooks.afterCommit(() =>
        this.mail.send({
          to: body.email,
          subject: `You are invited to join ${created.org_name} on PlexMCP`,
          link: this.identity.link('invitation', token.secret),
        }),
      );
      return created;
    });
    return toInvitationView(row, now);
  }

  async invitations({ actor, page }: ListRequest): Promise<Page<InvitationView>> {
    await this.manager(actor);
    const rows = await this.members.listInvitations(actor.org_id, decodeCursor(page.cursor), page.limit);
    const now = Date.now();
    return toPage(rows, page.limit, (row) => toInvitationView(row, now), rowPosition);
  }

  async revokeInvitation({ actor, id }: RevokeInvitationRequest): Promise<InvitationView> {
    const caller = await this.manager(actor);
    return this.tx.run(async (manager) => {
      const row = await this.members.invitation(id, actor.org_id, manager);
      if (row === null) throw invitationNotFound();
      this.mayTouch(caller, row.role, row.role);
      await this.members.deleteInvitation(manager, id, actor.org_id);
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'invitation.revoked',
        targetType: 'invitation',
        targetId: id,
        metadata: { email: row.email, role: row.role },
      });
      return toInvitationView(row, Date.now());
    });
  }

  /** What a link is for, so the page can say "join Acme as admin" and ask for a password only when needed. */
  async preview({ token_hash }: PreviewInvitationRequest): Promise<InvitationPreview> {
    const row = await this.members.invitationByHash(token_hash);
    if (row === null || !usable(row, Date.now()))
      throw new AppError(ErrorCode.Unauthorized, INVITATION_UNUSABLE);
    const account = await this.people.findUserByEmail(row.email);
    return {
      organization_id: row.org_id,
      organization_name: row.org_name,
      email: row.email,
      role: row.role,
      expires_at: row.expires_at.toISOString(),
      account_exists: account !== null && account.passwordHash !== null,
    };
  }

  /**
   * Accepts an invitation: the address's existing account joins the organization, or a new account
   * is made with the password given (the link proves the mailbox). The person then signs in as usual
   * (second factor included). Used once: a second attempt finds the link spent.
   */
  async accept(request: AcceptInvitationRequest): Promise<AcceptedInvitation> {
    const now = Date.now();
    const at = new Date(now);
    const passwordHash = request.password === undefined ? null : await hashPassword(request.password);
    return this.tx.run(async (manager) => {
      const row = await this.members.invitationByHash(request.token_hash, manager, true);
      if (row === null || !usable(row, now)) throw new AppError(ErrorCode.Unauthorized, INVITATION_UNUSABLE);
      let user = await this.people.findUserByEmail(row.email, manager);
      const needsPassword = user === null || user.passwordHash === null;
      if (needsPassword && passwordHash === null) {
        throw new AppError(ErrorCode.ValidationError, undefined, {
          details: [{ field: 'password', message: 'choose a password for the new account' }],
        });
      }
      let created = false;
      if (user === null) {
        await this.people.insertUser(manager, { id: newId(IdPrefix.User), email: row.email }, at);
        user = (await this.people.findUserByEmail(row.email, manager))!;
        created = true;
      }
      if (needsPassword) await this.people.updateUser(manager, user.id, { passwordHash }, at);
      const already = (await this.people.memberships(user.id, manager)).find((m) => m.orgId === row.org_id);
      // Joining never lowers a role held already.
      const role = already !== undefined && roleAtLeast(already.role, row.role) ? already.role : row.role;
      await this.people.upsertMembership(manager, row.org_id, user.id, role, at);
      await this.members.useInvitation(manager, row.id, at);
      await this.audit.record(manager, {
        orgId: row.org_id,
        actor: null,
        who: { type: 'user', id: user.id, display: user.email },
        action: 'invitation.accepted',
        targetType: 'member',
        targetId: user.id,
        metadata: { email: user.email, role, invitation_id: row.id, account_created: created },
      });
      return {
        organization_id: row.org_id,
        user_id: user.id,
        email: user.email,
        role,
        account_created: created,
      };
    });
  }

  // ---- rules ----------------------------------------------------------------------------

  /** The caller, who must be at least an admin of the organization. */
  private async manager(actor: Actor): Promise<Manager> {
    const policy = await this.authority.authorize(actor, { kind: 'role', role: 'admin' });
    if (policy === null) return { role: 'owner', userId: null };
    return { role: policy.user!.role, userId: policy.user!.user_id };
  }

  /** Owners are an owner's business: making one, unmaking one, inviting one, removing one. */
  private mayTouch(caller: Manager, current: Role, next: Role): void {
    if ((current === 'owner' || next === 'owner') && caller.role !== 'owner') {
      throw new AppError(ErrorCode.Forbidden, OWNERS_ONLY);
    }
  }

  /** Once committed, every gateway drops these sessions' cached decisions before the call answers. */
  private evict(hooks: TransactionHooks, sessionHashes: string[]): void {
    if (sessionHashes.length === 0) return;
    hooks.afterCommit(() => this.events.publish({ type: 'sessions.revoked', session_hashes: sessionHashes }));
  }
}

function usable(row: InvitationRow, now: number): boolean {
  return row.used_at === null && row.expires_at.getTime() > now;
}

function toMemberView(row: MemberRow, orgId: string): MemberView {
  return {
    object: 'member',
    user_id: row.id,
    organization_id: orgId,
    email: row.email,
    role: row.role,
    totp_enabled: row.totp_enabled,
    joined_at: row.created_at.toISOString(),
  };
}

function toInvitationView(row: InvitationRow, now: number): InvitationView {
  return {
    id: row.id,
    object: 'invitation',
    organization_id: row.org_id,
    email: row.email,
    role: row.role,
    status: row.used_at !== null ? 'accepted' : row.expires_at.getTime() <= now ? 'expired' : 'pending',
    invited_by:
      row.created_by_user_id === null
        ? SYSTEM_ACTOR
        : {
            type: 'user',
            id: row.created_by_user_id,
            display: row.invited_by_email ?? row.created_by_user_id,
          },
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
  };
}
