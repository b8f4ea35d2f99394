import { Inject, Injectable } from '@nestjs/common';
import {
  type AccountView,
  AppError,
  type CreatedOwner,
  ErrorCode,
  IdPrefix,
  type OpenedSession,
  type RequestResetRequest,
  type Role,
  type SetPasswordRequest,
  type SignInReply,
  type SignInRequest,
  type SignInTotpRequest,
  type SignedOut,
  type SwitchOrgRequest,
  type TotpConfirmRequest,
  type TotpConfirmed,
  type TotpEnrollment,
  type ValidateKeyReply,
  newId,
} from '@plexmcp/contracts';
import { SERVICE_CONFIG, TransactionRunner, type TransactionHooks } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import type { KeyServiceConfig } from '../config.js';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { IdentityRepository, type MembershipRow, type SessionRow } from './identity.repository.js';
import { type LockoutPolicy, lockedFor, lockoutAfter } from './lockout.js';
import { MAIL_TRANSPORT, type MailTransport } from './mail.js';
import { issueToken, tokenUsable } from './one-time-tokens.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { hashRecoveryCode, isRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import { toSessionReply } from './session-policy.js';
import { acceptTotp, newTotpSeed } from './totp.js';
import { TotpSeedCipher } from './totp-seed-cipher.js';
import type { UserEntity } from './user.entity.js';

const WRONG_CREDENTIALS = 'Wrong email or password';
const SESSION_ENDED = 'Your dashboard session has ended: sign in again';
const LINK_UNUSABLE = 'This link is invalid, has expired or was already used';
const CHALLENGE_UNUSABLE = 'This sign-in has expired: enter your email and password again';

/**
 * People: accounts, second factor, one-time links, and the dashboard sessions the gateways check
 * (`keys.validate` answers for a session's token hash as for a key's). Ending a session — sign-out,
 * sign-out everywhere, removal from the organization — commits, then evicts it from every gateway
 * through the same acknowledged fan-out as a key revocation, before the call returns.
 */
@Injectable()
export class IdentityService {
  private readonly lockout: LockoutPolicy;

  constructor(
    private readonly repository: IdentityRepository,
    private readonly tx: TransactionRunner,
    private readonly events: KeyEventsPublisher,
    /** The TOTP seed is sealed with the keyring, bound to its user. */
    private readonly totpSeeds: TotpSeedCipher,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
    @Inject(SERVICE_CONFIG) private readonly config: KeyServiceConfig,
  ) {
    this.lockout = {
      freeAttempts: config.SIGN_IN_FREE_ATTEMPTS,
      baseMs: config.SIGN_IN_LOCKOUT_MS,
      maxMs: config.SIGN_IN_LOCKOUT_MAX_MS,
    };
  }

  // ---- what the gateways and the authority read -----------------------------------------

  /** `keys.validate` for a session token's hash. */
  async validateSession(tokenHash: string): Promise<ValidateKeyReply> {
    return toSessionReply(await this.repository.sessionByHash(tokenHash), new Date());
  }

  /** The acting session of a management RPC, as the authority checks it. */
  async actingSession(sessionId: string, orgId: string): Promise<ValidateKeyReply> {
    return toSessionReply(await this.repository.sessionById(sessionId, orgId), new Date());
  }

  // ---- sign-in ----------------------------------------------------------------------------

  async signIn(request: SignInRequest): Promise<SignInReply> {
    const now = Date.now();
    const user = await this.repository.findUserByEmail(request.email);
    if (user === null || user.passwordHash === null) {
      await verifyPassword(await decoyHash(), request.password); // the same time as a real check
      throw new AppError(ErrorCode.Unauthorized, WRONG_CREDENTIALS);
    }
    this.refuseWhileLocked(user, now);
    if (!(await verifyPassword(user.passwordHash, request.password))) {
      await this.recordFailure(user.id, now);
      throw new AppError(ErrorCode.Unauthorized, WRONG_CREDENTIALS);
    }
    const orgId = await this.orgToEnter(user.id, request.org_id);
    return this.tx.run((manager) => this.continueSignIn(manager, user, orgId, request, now));
  }

  /** Second step: the challenge from the first, and a TOTP code or a recovery code. */
  async signInTotp(request: SignInTotpRequest): Promise<OpenedSession> {
    const now = Date.now();
    const outcome = await this.tx.run(async (manager) => {
      const challenge = await this.repository.lockTokenByHash(manager, request.challenge_hash);
      if (
        challenge === null ||
        !tokenUsable(challenge, 'sign_in_challenge', now) ||
        challenge.userId === null
      ) {
        throw new AppError(ErrorCode.Unauthorized, CHALLENGE_UNUSABLE);
      }
      const user = await this.repository.lockUser(manager, challenge.userId);
      if (user === null) throw new AppError(ErrorCode.Unauthorized, CHALLENGE_UNUSABLE);
      this.refuseWhileLocked(user, now);
      const step = await this.secondFactor(manager, user, request.code, now);
      if (step === null) return { failed: user.id, session: null };
      await this.repository.useToken(manager, challenge.id, new Date(now));
      await this.repository.updateUser(
        manager,
        user.id,
        { failedSignIns: 0, lockedUntil: null, ...(step === 'recovery' ? {} : { totpLastStep: step }) },
        new Date(now),
      );
      return {
        failed: null,
        session: await this.openSession(manager, user.id, challenge.orgId!, request, now),
      };
    });
    if (outcome.session === null) {
      await this.recordFailure(outcome.failed, now);
      throw new AppError(ErrorCode.Unauthorized, 'Wrong code');
    }
    return outcome.session;
  }

  /**
   * A set-password or reset link: sets the password, ends the user's other sessions, and signs in
   * (through the TOTP step when the user has one).
   */
  async setPassword(request: SetPasswordRequest): Promise<SignInReply> {
    const now = Date.now();
    const passwordHash = await hashPassword(request.password);
    return this.tx.run(async (manager, hooks) => {
      const token = await this.repository.lockTokenByHash(manager, request.token_hash);
      if (token === null || !tokenUsable(token, 'set_password', now) || token.userId === null) {
        throw new AppError(ErrorCode.Unauthorized, LINK_UNUSABLE);
      }
      const user = await this.repository.lockUser(manager, token.userId);
      if (user === null) throw new AppError(ErrorCode.Unauthorized, LINK_UNUSABLE);
      const at = new Date(now);
      await this.repository.useToken(manager, token.id, at);
      await this.repository.retireTokens(manager, user.id, 'set_password', at);
      await this.repository.updateUser(
        manager,
        user.id,
        { passwordHash, failedSignIns: 0, lockedUntil: null },
        at,
      );
      const ended = await this.repository.revokeSessions(manager, { userId: user.id }, at);
      this.evictAfterCommit(hooks, ended);
      const memberships = await this.repository.memberships(user.id, manager);
      const orgId =
        token.orgId !== null && memberships.some((m) => m.orgId === token.orgId)
          ? token.orgId
          : memberships[0]?.orgId;
      if (orgId === undefined)
        throw new AppError(ErrorCode.Forbidden, 'You are not a member of any organization');
      return this.continueSignIn(manager, { ...user, passwordHash }, orgId, request, now);
    });
  }

  /** Mails a reset link when the address has an account; answers the same either way. */
  async requestPasswordReset(request: RequestResetRequest): Promise<void> {
    const user = await this.repository.findUserByEmail(request.email);
    if (user === null) return;
    const now = Date.now();
    const token = issueToken('set_password', now);
    await this.tx.run(async (manager) => {
      await this.repository.retireTokens(manager, user.id, 'set_password', new Date(now));
      await this.repository.insertToken(manager, {
        id: newId(IdPrefix.OneTimeToken),
        tokenHash: token.hash,
        kind: 'set_password',
        userId: user.id,
        orgId: null,
        email: null,
        role: null,
        expiresAt: token.expiresAt,
        createdByUserId: null,
        createdAt: new Date(now),
      });
    });
    await this.mail.send({
      to: user.email,
      subject: 'Reset your PlexMCP password',
      link: this.link('set-password', token.secret),
    });
  }

  // ---- inside a session -------------------------------------------------------------------

  async account(sessionHash: string): Promise<AccountView> {
    const session = await this.liveSession(sessionHash);
    const user = await this.repository.findUser(session.userId);
    if (user === null) throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED);
    const memberships = await this.repository.memberships(user.id);
    const current = memberships.find((m) => m.orgId === session.orgId);
    if (current === undefined) throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED);
    return {
      user: { id: user.id, email: user.email, totp_enabled: user.totpEnabledAt !== null },
      session: { id: session.id, expires_at: session.expiresAt.toISOString() },
      organization: { id: current.orgId, name: current.orgName },
      role: current.role,
      memberships: memberships.map(toMembershipView),
    };
  }

  /** Ends this session (an unknown or ended one is already signed out). */
  async signOut(sessionHash: string): Promise<SignedOut> {
    const session = await this.repository.sessionByHash(sessionHash);
    if (session === null || session.revokedAt !== null) return { sessions_ended: 0 };
    return this.endSessions({ userId: session.userId, id: session.id });
  }

  /** Ends every session of the user, in every organization. */
  async signOutEverywhere(sessionHash: string): Promise<SignedOut> {
    const session = await this.liveSession(sessionHash);
    return this.endSessions({ userId: session.userId });
  }

  /** Opens a session in another organization of the user's and ends this one. */
  async switchOrg(request: SwitchOrgRequest): Promise<OpenedSession> {
    const session = await this.liveSession(request.session_hash);
    const now = Date.now();
    return this.tx.run(async (manager, hooks) => {
      const memberships = await this.repository.memberships(session.userId, manager);
      // Another organization's id is as good as nonexistent to someone outside it.
      if (!memberships.some((m) => m.orgId === request.org_id)) throw new AppError(ErrorCode.NotFound);
      const opened = await this.openSession(
        manager,
        session.userId,
        request.org_id,
        { ...request, session_hash: request.next_session_hash },
        now,
      );
      const ended = await this.repository.revokeSessions(
        manager,
        { userId: session.userId, id: session.id },
        new Date(now),
      );
      this.evictAfterCommit(hooks, ended);
      return opened;
    });
  }

  /** A new TOTP seed for the user, in force once confirmed with a code from it. */
  async totpEnroll(sessionHash: string): Promise<TotpEnrollment> {
    const session = await this.liveSession(sessionHash);
    return this.tx.run(async (manager) => {
      const user = await this.repository.lockUser(manager, session.userId);
      if (user === null) throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED);
      if (user.totpEnabledAt !== null) {
        throw new AppError(ErrorCode.Conflict, 'Two-factor authentication is already on');
      }
      const seed = newTotpSeed(user.email);
      const sealed = this.totpSeeds.seal(user.id, seed.secret);
      await this.repository.updateUser(
        manager,
        user.id,
        { totpSecret: sealed, totpLastStep: null },
        new Date(),
      );
      return { secret: seed.secret, otpauth_url: seed.otpauthUrl };
    });
  }

  /** Turns TOTP on with a first valid code; answers the recovery codes, this once. */
  async totpConfirm(request: TotpConfirmRequest): Promise<TotpConfirmed> {
    const session = await this.liveSession(request.session_hash);
    const now = Date.now();
    return this.tx.run(async (manager) => {
      const user = await this.repository.lockUser(manager, session.userId);
      if (user === null) throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED);
      if (user.totpEnabledAt !== null)
        throw new AppError(ErrorCode.Conflict, 'Two-factor authentication is already on');
      if (user.totpSecret === null)
        throw new AppError(ErrorCode.Conflict, 'Start the two-factor set-up first');
      const secret = this.totpSeeds.open(user.id, user.totpSecret);
      const step = await acceptTotp(secret, request.code, now, null);
      if (step === null) {
        throw new AppError(ErrorCode.ValidationError, 'Wrong code', {
          details: [{ field: 'code', message: 'does not match the authenticator' }],
        });
      }
      const at = new Date(now);
      await this.repository.updateUser(manager, user.id, { totpEnabledAt: at, totpLastStep: step }, at);
      const codes = newRecoveryCodes();
      await this.repository.replaceRecoveryCodes(
        manager,
        user.id,
        codes.map((code) => ({
          id: newId(IdPrefix.RecoveryCode),
          userId: user.id,
          codeHash: hashRecoveryCode(code),
          usedAt: null,
          createdAt: at,
        })),
      );
      return { recovery_codes: codes };
    });
  }

  // ---- memberships (also used by organization bootstrap and member management) -----------

  /**
   * Makes `email` (a new account, or an existing one) a member of `orgId` with `role`, and issues
   * a one-time set-password link for it. Runs inside the caller's transaction.
   */
  async addMemberWithLink(
    manager: EntityManager,
    orgId: string,
    email: string,
    role: Role,
  ): Promise<CreatedOwner> {
    const now = Date.now();
    const at = new Date(now);
    let user = await this.repository.findUserByEmail(email, manager);
    if (user === null) {
      await this.repository.insertUser(manager, { id: newId(IdPrefix.User), email }, at);
      user = (await this.repository.findUserByEmail(email, manager))!;
    }
    await this.repository.upsertMembership(manager, orgId, user.id, role, at);
    const token = issueToken('set_password', now);
    await this.repository.insertToken(manager, {
      id: newId(IdPrefix.OneTimeToken),
      tokenHash: token.hash,
      kind: 'set_password',
      userId: user.id,
      orgId,
      email: null,
      role: null,
      expiresAt: token.expiresAt,
      createdByUserId: null,
      createdAt: at,
    });
    return {
      user_id: user.id,
      email: user.email,
      set_password_token: token.secret,
      set_password_url: this.link('set-password', token.secret),
      expires_at: token.expiresAt.toISOString(),
    };
  }

  /**
   * Someone the organization's own identity provider vouched for (single sign-on): their account
   * and membership are made when new — with `role`, never changing an existing member's — then a
   * session opens. The provider did the authentication, so no password or second factor is asked.
   */
  async signInFederated(
    orgId: string,
    email: string,
    role: Role,
    request: { session_hash: string; ip: string | null; user_agent: string | null },
  ): Promise<OpenedSession> {
    const now = Date.now();
    return this.tx.run(async (manager) => {
      const at = new Date(now);
      let user = await this.repository.findUserByEmail(email, manager);
      if (user === null) {
        await this.repository.insertUser(manager, { id: newId(IdPrefix.User), email }, at);
        user = (await this.repository.findUserByEmail(email, manager))!;
      }
      const memberships = await this.repository.memberships(user.id, manager);
      if (!memberships.some((m) => m.orgId === orgId)) {
        await this.repository.upsertMembership(manager, orgId, user.id, role, at);
      }
      return this.openSession(manager, user.id, orgId, request, now);
    });
  }

  /** `addMemberWithLink` in its own transaction, for an organization that must exist. */
  async addMember(orgId: string, email: string, role: Role): Promise<CreatedOwner> {
    return this.tx.run(async (manager) => {
      if (!(await this.repository.orgExists(manager, orgId))) {
        throw new AppError(ErrorCode.NotFound, 'Organization not found');
      }
      return this.addMemberWithLink(manager, orgId, email, role);
    });
  }

  /**
   * Removes a member: their sessions in that organization end at once on every gateway (this
   * returns only once every live gateway evicted them).
   */
  async removeMember(orgId: string, userId: string): Promise<boolean> {
    const now = new Date();
    return this.tx.run(async (manager, hooks) => {
      const removed = await this.repository.deleteMembership(manager, orgId, userId);
      const ended = await this.repository.revokeSessions(manager, { userId, orgId }, now);
      this.evictAfterCommit(hooks, ended);
      return removed;
    });
  }

  // ---- internals ----------------------------------------------------------------------------

  /** The one-time link a person opens in the dashboard; the token travels in the fragment. */
  link(page: string, token: string): string {
    return `${this.config.DASHBOARD_URL.replace(/\/+$/, '')}/${page}#token=${token}`;
  }

  private async continueSignIn(
    manager: EntityManager,
    user: UserEntity,
    orgId: string,
    request: { session_hash: string; ip: string | null; user_agent: string | null },
    now: number,
  ): Promise<SignInReply> {
    if (user.totpEnabledAt !== null) {
      // The hash the gateway made for the session becomes the challenge of the second step.
      const expiresAt = new Date(now + 5 * 60_000);
      await this.repository.insertToken(manager, {
        id: newId(IdPrefix.OneTimeToken),
        tokenHash: request.session_hash,
        kind: 'sign_in_challenge',
        userId: user.id,
        orgId,
        email: null,
        role: null,
        expiresAt,
        createdByUserId: null,
        createdAt: new Date(now),
      });
      return { status: 'totp_required', challenge_expires_at: expiresAt.toISOString() };
    }
    await this.repository.updateUser(
      manager,
      user.id,
      { failedSignIns: 0, lockedUntil: null },
      new Date(now),
    );
    return { status: 'signed_in', session: await this.openSession(manager, user.id, orgId, request, now) };
  }

  private async openSession(
    manager: EntityManager,
    userId: string,
    orgId: string,
    request: { session_hash: string; ip: string | null; user_agent: string | null },
    now: number,
  ): Promise<OpenedSession> {
    const memberships = await this.repository.memberships(userId, manager);
    if (!memberships.some((m) => m.orgId === orgId)) throw new AppError(ErrorCode.NotFound);
    const session = {
      id: newId(IdPrefix.Session),
      tokenHash: request.session_hash,
      userId,
      orgId,
      expiresAt: new Date(now + this.config.SESSION_TTL_MS),
      ip: request.ip,
      userAgent: request.user_agent,
      createdAt: new Date(now),
    };
    await this.repository.insertSession(manager, session);
    return {
      session_id: session.id,
      user_id: userId,
      org_id: orgId,
      expires_at: session.expiresAt.toISOString(),
    };
  }

  /** The organization a sign-in enters: the one asked for if a member, else the first joined. */
  private async orgToEnter(userId: string, asked: string | null): Promise<string> {
    const memberships = await this.repository.memberships(userId);
    if (asked !== null) {
      if (!memberships.some((m) => m.orgId === asked)) throw new AppError(ErrorCode.NotFound);
      return asked;
    }
    const first = memberships[0];
    if (first === undefined)
      throw new AppError(ErrorCode.Forbidden, 'You are not a member of any organization');
    return first.orgId;
  }

  /** A TOTP code's step ('recovery' for a recovery code used up), or null when it is wrong. */
  private async secondFactor(
    manager: EntityManager,
    user: UserEntity,
    code: string,
    now: number,
  ): Promise<number | 'recovery' | null> {
    if (isRecoveryCode(code)) {
      const used = await this.repository.useRecoveryCode(
        manager,
        user.id,
        hashRecoveryCode(code),
        new Date(now),
      );
      return used ? 'recovery' : null;
    }
    if (user.totpSecret === null) return null;
    const secret = this.totpSeeds.open(user.id, user.totpSecret);
    return acceptTotp(secret, code, now, user.totpLastStep);
  }

  private refuseWhileLocked(user: UserEntity, now: number): void {
    const ms = lockedFor(user.lockedUntil, now);
    if (ms > 0) {
      throw new AppError(
        ErrorCode.RateLimited,
        `Too many failed sign-ins: try again in ${Math.ceil(ms / 1000)} seconds`,
      );
    }
  }

  /** Counts a failure in its own transaction (it must stick although the sign-in fails). */
  private async recordFailure(userId: string, now: number): Promise<void> {
    await this.tx.run(async (manager) => {
      const user = await this.repository.lockUser(manager, userId);
      if (user === null) return;
      const failures = user.failedSignIns + 1;
      const lockMs = lockoutAfter(failures, this.lockout);
      await this.repository.updateUser(
        manager,
        userId,
        { failedSignIns: failures, lockedUntil: lockMs > 0 ? new Date(now + lockMs) : user.lockedUntil },
        new Date(now),
      );
    });
  }

  private async liveSession(sessionHash: string): Promise<SessionRow> {
    const session = await this.repository.sessionByHash(sessionHash);
    if (toSessionReply(session, new Date()).status !== 'active') {
      throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED);
    }
    return session!;
  }

  private async endSessions(where: { userId: string; id?: string }): Promise<SignedOut> {
    const ended = await this.tx.run(async (manager, hooks) => {
      const hashes = await this.repository.revokeSessions(manager, where, new Date());
      this.evictAfterCommit(hooks, hashes);
      return hashes;
    });
    return { sessions_ended: ended.length };
  }

  /** Once committed, every gateway evicts these sessions before the call answers. */
  private evictAfterCommit(hooks: TransactionHooks, sessionHashes: string[]): void {
    if (sessionHashes.length === 0) return;
    hooks.afterCommit(() => this.events.publish({ type: 'sessions.revoked', session_hashes: sessionHashes }));
  }
}

function toMembershipView(m: MembershipRow) {
  return { organization_id: m.orgId, organization_name: m.orgName, role: m.role };
}
