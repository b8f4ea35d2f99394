import {
  AppError,
  type Decision,
  type DecisionTarget,
  ErrorCode,
  decide,
  hashApiKey,
  keyDisplayPrefix,
  keyLast4,
  parseApiKey,
  refusalError,
} from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { extractBearerKey } from './authorization-header.js';
import type { FailedAttemptThrottle } from './failed-attempt-throttle.js';
import type { KeyDecision, KeyDecisionCache } from './key-decision-cache.js';
import type { AuthContext } from './request-context.js';
import { routeConfigOf } from './route-access.js';

/**
 * A key as presented to the gateway: its SHA-256 (all the cache and the key-service know it by)
 * and its display parts. A Bearer key, or the key a dashboard session names (the session module
 * hands its claims over as one).
 */
export interface PresentedKey {
  readonly keyHash: string;
  readonly keyPrefix: string;
  readonly keyLast4: string;
}

/**
 * A request the authority turned down: the error to answer with (code, status, message and any
 * headers — `Retry-After`, `WWW-Authenticate`) and why, for the decision metric.
 */
export class Refusal {
  constructor(
    readonly error: AppError,
    readonly reason: string,
  ) {}
}

/** The caller, or why not. */
export type Verdict = AuthContext | Refusal;

/** What the authority knows of the request it decides about. */
export interface Asking {
  readonly clientIp: string | null;
  /** For the log line of an unexpected failure. */
  readonly requestId?: string;
  /** The MCP endpoint: its 401 and 403 carry the RFC 6750 challenge. */
  readonly challenge?: boolean;
}

/**
 * Another way than `Authorization` to present a key (the dashboard's session cookie), tried when
 * a request has no `Authorization` header. Null: the request does not use it.
 */
export interface KeySource {
  presentedBy(request: FastifyRequest, now: number): PresentedKey | Refusal | null;
}

const AUTHENTICATED: DecisionTarget = { kind: 'authenticated' };
const WWW_AUTHENTICATE = 'www-authenticate';
const CHALLENGE = 'Bearer';
const CHALLENGE_SCOPE = 'Bearer error="insufficient_scope"';
const SESSION_ENDED = 'Your dashboard session has ended: sign in again';

/** `error`, with the MCP authorization challenge (RFC 6750) when `challenge` and it is a 401/403. */
function challenged(error: AppError, challenge: boolean | undefined): AppError {
  if (challenge !== true) return error;
  const value =
    error.code === ErrorCode.Unauthorized
      ? CHALLENGE
      : error.code === ErrorCode.Forbidden
        ? CHALLENGE_SCOPE
        : undefined;
  if (value === undefined) return error;
  return new AppError(error.code, error.message, {
    ...(error.details === undefined ? {} : { details: error.details }),
    headers: { ...error.headers, [WWW_AUTHENTICATE]: value },
  });
}

/** A refusal of `code` (its default message unless `message`), challenged on the MCP endpoint. */
export function refuse(
  code: ErrorCode,
  reason: string,
  options: { message?: string; challenge?: boolean } = {},
): Refusal {
  return new Refusal(challenged(new AppError(code, options.message), options.challenge), reason);
}

/** The refusal a `decide()` verdict answers with (see `refusalError` in contracts). */
export function refusalOf(decision: Extract<Decision, { allow: false }>, challenge?: boolean): Refusal {
  return new Refusal(challenged(refusalError(decision), challenge), decision.reason);
}

/** A key as presented, its hash already computed. */
function presentedAs(key: string, keyHash: string): PresentedKey {
  return { keyHash, keyPrefix: keyDisplayPrefix(key), keyLast4: keyLast4(key) };
}

/** A well-formed key (prefix, length, alphabet, checksum) as presented, or null. */
export function presentKey(key: string): PresentedKey | null {
  if (parseApiKey(key) === null) return null;
  return presentedAs(key, hashApiKey(key));
}

/**
 * May an authenticated caller act on this target? `decide()` from contracts — the rule the
 * key-service applies too — for what a route declares and for the target a handler finds.
 */
export function permit(
  caller: AuthContext,
  target: DecisionTarget,
  asking: Asking,
  now: number,
): Refusal | null {
  const verdict = decide({ status: 'active', policy: caller.policy, target, clientIp: asking.clientIp, now });
  return verdict.allow ? null : refusalOf(verdict, asking.challenge);
}

/** What the authority needs of a request (its refusals are challenged on the MCP endpoint). */
export function askingOf(request: FastifyRequest): Asking {
  return {
    clientIp: request.clientIp,
    requestId: request.requestId,
    challenge: routeConfigOf(request).mcpProxy === true,
  };
}

/**
 * The caller of a request the auth hook admitted. A route that is not public always has one;
 * finding none throws 401, never crashes.
 */
export function callerOf(request: FastifyRequest): AuthContext {
  const auth = request.auth;
  if (auth === null || auth === undefined) {
    throw refuse(ErrorCode.Unauthorized, 'no_caller', askingOf(request)).error;
  }
  return auth;
}

/**
 * For handlers once they know their target (a key, an MCP): the caller, or throws the refusal
 * (401/403/404, with the challenge on the MCP endpoint).
 */
export function authorize(request: FastifyRequest, target: DecisionTarget, now = Date.now()): AuthContext {
  const caller = callerOf(request);
  const refused = permit(caller, target, askingOf(request), now);
  if (refused !== null) throw refused.error;
  return caller;
}

/**
 * The gateway's one verdict on a credential: a presented key in, the caller or a refusal out.
 * Key → (hash) → the local decision cache, or on a miss one `keys.validate` however many requests
 * wait for it → `decide()`: may this key act at all (known, active, unexpired, organization not
 * suspended, client IP allowed). Used alike for Bearer keys (the auth hook) and the key a
 * dashboard session names (its sign-in, its check, and every request carrying its cookie), so
 * revocation and expiry end both the same way. Only a definite answer lets a request through: a
 * key-service that does not answer is 503, never a pass. Failed attempts (401) are counted per
 * client IP, which is then throttled.
 */
export class KeyAuthority {
  constructor(
    private readonly cache: KeyDecisionCache,
    private readonly throttle: FailedAttemptThrottle,
    private readonly logger: Logger,
  ) {}

  /** 429 with `Retry-After` while the client IP is over its failed-attempt budget. */
  throttled(clientIp: string | null, now: number): Refusal | null {
    const blockedMs = this.throttle.blockedFor(clientIp, now);
    if (blockedMs <= 0) return null;
    const error = new AppError(ErrorCode.RateLimited, 'Too many failed authentication attempts', {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(blockedMs / 1000))) },
    });
    return new Refusal(error, 'throttled');
  }

  /** Counts an answer against the client IP when it told a caller its credential is no good. */
  failed(error: AppError, clientIp: string | null): void {
    if (error.code === ErrorCode.Unauthorized) this.throttle.recordFailure(clientIp);
  }

  /** `Authorization: Bearer <key>`: the key, or 401. A malformed key never reaches NATS. */
  bearer(header: string | undefined, asking: Asking): PresentedKey | Refusal {
    const key = extractBearerKey(header);
    if (key === null) return refuse(ErrorCode.Unauthorized, 'missing_or_malformed_header', asking);
    // The key is exactly KEY_LENGTH characters (extractBearerKey), so hashing it first is cheap.
    // A key whose decision is held was well-formed when the key-service was asked about it (the
    // same SHA-256), so only a key this gateway does not know pays for the format check — the
    // base62 alphabet and the CRC of 40 characters, ~0.5 µs of every cached request otherwise.
    const keyHash = hashApiKey(key);
    if (!this.cache.knows(keyHash) && parseApiKey(key) === null)
      return refuse(ErrorCode.Unauthorized, 'malformed_key', asking);
    return presentedAs(key, keyHash);
  }

  /** The verdict on a presented key; synchronous when the decision is cached. */
  authenticate(key: PresentedKey, asking: Asking, now: number): Verdict | Promise<Verdict> {
    const cached = this.cache.peek(key.keyHash, now);
    if (cached !== undefined) return admit(cached, key, asking, now);
    return this.cache.load(key.keyHash).then(
      (decision) => admit(decision, key, asking, Date.now()),
      (err: unknown) => this.unavailable(err, asking),
    );
  }

  /** `authenticate`, for callers that await: the caller, or throws the refusal's error. */
  async caller(key: PresentedKey, asking: Asking, now: number): Promise<AuthContext> {
    const verdict = await this.authenticate(key, asking, now);
    if (verdict instanceof Refusal) throw verdict.error;
    return verdict;
  }

  private unavailable(err: unknown, asking: Asking): Refusal {
    if (!(err instanceof AppError)) {
      this.logger.error({ err, request_id: asking.requestId }, 'key validation failed');
    }
    // Only a definite answer may let a request through: anything else is 503, never a pass.
    if (err instanceof AppError && err.code === ErrorCode.ServiceUnavailable) {
      return new Refusal(err, 'key_service_unavailable');
    }
    const reason = err instanceof AppError ? 'validation_error' : 'key_service_unavailable';
    return new Refusal(new AppError(ErrorCode.ServiceUnavailable, undefined, { cause: err }), reason);
  }
}

function admit(decision: KeyDecision, key: PresentedKey, asking: Asking, now: number): Verdict {
  const verdict = decide({
    status: decision.status,
    policy: decision.policy,
    target: AUTHENTICATED,
    clientIp: asking.clientIp,
    now,
  });
  if (!verdict.allow) {
    // A person's ended session says so, not that an API key was revoked.
    if (verdict.status === 401 && decision.policy?.user) {
      return refuse(ErrorCode.Unauthorized, verdict.reason, { message: SESSION_ENDED });
    }
    return refusalOf(verdict, asking.challenge);
  }
  return {
    policy: decision.policy!,
    keyHash: key.keyHash,
    keyPrefix: key.keyPrefix,
    keyLast4: key.keyLast4,
  };
}
