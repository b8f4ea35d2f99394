import {
  AppError,
  CREDENTIAL_PATTERN,
  ErrorCode,
  IdentitySubjects,
  type SessionView,
  acceptedSchema,
  hashCredential,
  newCredential,
  openedSessionSchema,
  requestResetBodySchema,
  setPasswordBodySchema,
  signInBodySchema,
  signInReplySchema,
  signInTotpBodySchema,
  signedOutSchema,
  switchOrgBodySchema,
  totpConfirmBodySchema,
  totpConfirmedSchema,
  totpEnrollmentSchema,
  zodDetails,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PUBLIC } from '../auth/route-access.js';
import { NO_STORE, sendError } from '../common/envelope.js';
import { SESSION_ENDED_MESSAGE } from './dashboard-sessions.js';
import {
  CSRF_HEADER,
  accountCookieValue,
  accountCredentialOf,
  clearedSessionCookie,
  sessionCookie,
  sessionTokenOf,
} from './session-cookie.js';
import { type SessionRoutesDeps, failSession, refuseSignIn } from './session.routes.js';

const BASE = '/dashboard/api/account';
/**
 * Steps that hash or verify a password (Argon2id, tens of milliseconds of CPU, more on a loaded
 * machine) get longer than a key validation before they fail with 503.
 */
const PASSWORD_STEP = { timeoutMs: 5_000 };
const NOT_JSON = new AppError(ErrorCode.ValidationError, 'Send a JSON body');

interface AccountRoutesDeps extends SessionRoutesDeps {
  rpc: NatsRpcClient;
}

/** A signed-in person's session as a request presents it. */
interface LiveSession {
  token: string;
  hash: string;
}

/**
 * A person's dashboard routes: sign-in (password, then TOTP when enrolled), set a password from a
 * one-time link, ask for a reset link, switch organization, enrol TOTP, sign out everywhere
 * (sign-out itself is `DELETE /dashboard/api/session`). The browser's secrets — the session
 * credential, the sign-in challenge, the link's token — are made or received here and go to the
 * key-service only as their SHA-256. Like the key sign-in, the public ones take JSON from the
 * dashboard's own origin only and feed the per-IP throttle; the others need the session and its
 * CSRF token, checked through the key authority like any request.
 */
export function registerAccountRoutes(fastify: FastifyInstance, deps: AccountRoutesDeps): void {
  const { sessions, ipResolver, authority, isHttps, rpc } = deps;
  const config = { access: PUBLIC };

  const client = (request: FastifyRequest) => {
    const agent = request.headers['user-agent'];
    return { ip: ipResolver.of(request), user_agent: agent === undefined ? null : agent.slice(0, 512) };
  };

  const send = (reply: FastifyReply, status: number, data: unknown) =>
    reply.code(status).header('cache-control', NO_STORE).send({ success: true, data });

  /** Sets the cookie of a session the key-service opened under `credential`, answers its view. */
  const signedIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    credential: string,
    expiresAt: string,
  ) => {
    const token = accountCookieValue(credential);
    const now = Date.now();
    const view: SessionView = await sessions.accountView(token, credential, ipResolver.of(request), now);
    reply.header('set-cookie', sessionCookie(token, (Date.parse(expiresAt) - now) / 1000, isHttps(request)));
    return send(reply, 201, view);
  };

  /** A public POST: throttle, same origin, JSON, a valid body; then `handle`. */
  const publicPost = <S extends z.ZodType>(
    path: string,
    schema: S,
    handle: (body: z.infer<S>, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
  ) => {
    fastify.post(`${BASE}${path}`, { config }, async (request, reply) => {
      reply.header('cache-control', NO_STORE);
      const ip = ipResolver.of(request);
      const refused = refuseSignIn(request, ip, authority, Date.now(), NOT_JSON);
      if (refused !== null) return sendError(reply, refused, request.requestId);
      const parsed = schema.safeParse(request.body ?? {});
      if (!parsed.success) {
        const error = new AppError(ErrorCode.ValidationError, undefined, {
          details: zodDetails(parsed.error),
        });
        return sendError(reply, error, request.requestId);
      }
      try {
        return await handle(parsed.data, request, reply);
      } catch (err) {
        return failSession(request, reply, err, ip, deps);
      }
    });
  };

  /** A POST inside a person's session: the cookie, its CSRF token, the session still live. */
  const sessionPost = <S extends z.ZodType>(
    path: string,
    schema: S,
    handle: (
      session: LiveSession,
      body: z.infer<S>,
      request: FastifyRequest,
      reply: FastifyReply,
    ) => Promise<FastifyReply>,
  ) => {
    fastify.post(`${BASE}${path}`, { config }, async (request, reply) => {
      reply.header('cache-control', NO_STORE);
      const ip = ipResolver.of(request);
      try {
        const session = await liveSession(request, ip);
        const parsed = schema.safeParse(request.body ?? {});
        if (!parsed.success) {
          throw new AppError(ErrorCode.ValidationError, undefined, { details: zodDetails(parsed.error) });
        }
        return await handle(session, parsed.data, request, reply);
      } catch (err) {
        return failSession(request, reply, err, ip, deps);
      }
    });
  };

  const liveSession = async (request: FastifyRequest, ip: string | null): Promise<LiveSession> => {
    const token = sessionTokenOf(request.headers.cookie);
    const credential = token === null ? null : accountCredentialOf(token);
    if (token === null || credential === null || !CREDENTIAL_PATTERN.test(credential)) {
      throw new AppError(ErrorCode.Unauthorized, 'Not signed in');
    }
    if (!sessions.csrfOk(token, request.headers[CSRF_HEADER])) {
      throw new AppError(ErrorCode.Forbidden, 'Missing or invalid CSRF token');
    }
    const hash = hashCredential(credential);
    // The same check as every request: revoked or expired sessions are refused here.
    await authority
      .caller({ keyHash: hash, keyPrefix: '', keyLast4: '' }, { clientIp: ip }, Date.now())
      .catch((err: unknown) => {
        throw err instanceof AppError && err.code === ErrorCode.Unauthorized
          ? new AppError(ErrorCode.Unauthorized, SESSION_ENDED_MESSAGE)
          : err;
      });
    return { token, hash };
  };

  /** A sign-in step's answer: the session (cookie), or the TOTP challenge to present next. */
  const continueSignIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    credential: string,
    reply_: z.infer<typeof signInReplySchema>,
  ) => {
    if (reply_.status === 'signed_in') return signedIn(request, reply, credential, reply_.session.expires_at);
    // The credential made for the session is the challenge: it opens nothing by itself.
    return send(reply, 200, {
      totp_required: true,
      challenge: credential,
      challenge_expires_at: reply_.challenge_expires_at,
    });
  };

  publicPost('/sign-in', signInBodySchema, async (body, request, reply) => {
    const credential = newCredential();
    const answer = await rpc.call(
      IdentitySubjects.signIn,
      {
        email: body.email,
        password: body.password,
        org_id: body.organization_id ?? null,
        session_hash: hashCredential(credential),
        ...client(request),
      },
      signInReplySchema,
      PASSWORD_STEP,
    );
    return continueSignIn(request, reply, credential, answer);
  });

  publicPost('/sign-in/totp', signInTotpBodySchema, async (body, request, reply) => {
    const credential = newCredential();
    const opened = await rpc.call(
      IdentitySubjects.signInTotp,
      {
        challenge_hash: hashCredential(body.challenge),
        code: body.code,
        session_hash: hashCredential(credential),
        ...client(request),
      },
      openedSessionSchema,
      PASSWORD_STEP,
    );
    return signedIn(request, reply, credential, opened.expires_at);
  });

  publicPost('/password', setPasswordBodySchema, async (body, request, reply) => {
    const credential = newCredential();
    const answer = await rpc.call(
      IdentitySubjects.setPassword,
      {
        token_hash: hashCredential(body.token),
        password: body.password,
        session_hash: hashCredential(credential),
        ...client(request),
      },
      signInReplySchema,
      PASSWORD_STEP,
    );
    return continueSignIn(request, reply, credential, answer);
  });

  publicPost('/password-reset', requestResetBodySchema, async (body, _request, reply) => {
    await rpc.call(IdentitySubjects.requestPasswordReset, { email: body.email }, acceptedSchema);
    return send(reply, 202, { accepted: true });
  });

  sessionPost('/sign-out-everywhere', emptyBody, async (session, _body, request, reply) => {
    const ended = await rpc.call(
      IdentitySubjects.signOutEverywhere,
      { session_hash: session.hash },
      signedOutSchema,
    );
    reply.header('set-cookie', clearedSessionCookie(isHttps(request)));
    return send(reply, 200, ended);
  });

  sessionPost('/organization', switchOrgBodySchema, async (session, body, request, reply) => {
    const credential = newCredential();
    const opened = await rpc.call(
      IdentitySubjects.switchOrg,
      {
        session_hash: session.hash,
        org_id: body.organization_id,
        next_session_hash: hashCredential(credential),
        ...client(request),
      },
      openedSessionSchema,
    );
    return signedIn(request, reply, credential, opened.expires_at);
  });

  sessionPost('/totp', emptyBody, async (session, _body, _request, reply) => {
    const enrollment = await rpc.call(
      IdentitySubjects.totpEnroll,
      { session_hash: session.hash },
      totpEnrollmentSchema,
    );
    return send(reply, 201, enrollment);
  });

  sessionPost('/totp/confirm', totpConfirmBodySchema, async (session, body, _request, reply) => {
    const confirmed = await rpc.call(
      IdentitySubjects.totpConfirm,
      { session_hash: session.hash, code: body.code },
      totpConfirmedSchema,
    );
    return send(reply, 200, confirmed);
  });
}

/** Routes that take no body accept an empty JSON object (or none). */
const emptyBody = z.strictObject({});
