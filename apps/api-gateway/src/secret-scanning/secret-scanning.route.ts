import {
  AppError,
  ErrorCode,
  type KeyLeakedAlertsRequest,
  type LeakedKeysRequest,
  SECRET_SCANNING_BODY_LIMIT,
  SECRET_SCANNING_KEY_ID_HEADER,
  SECRET_SCANNING_SIGNATURE_HEADER,
  type SecretScanningResult,
  Subjects,
  UsageSubjects,
  hashApiKey,
  keyLeakedAlertsReplySchema,
  leakedKeysReplySchema,
  parseApiKey,
  secretScanningReportSchema,
  zodDetails,
} from '@plexmcp/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PUBLIC } from '../auth/route-access.js';
import { JSON_CONTENT_TYPE, sendError } from '../common/envelope.js';
import type { GatewayRuntime } from '../gateway-runtime.js';
import { type ScannerPublicKeys, verifyScannerSignature } from './scanner-public-keys.js';

export const SECRET_SCANNING_VERIFY_ROUTE = '/v1/secret-scanning/verify';
export const SECRET_SCANNING_REVOKE_ROUTE = '/v1/secret-scanning/revoke';

const BAD_SIGNATURE = 'Invalid or missing secret scanning signature';

function header(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
}

/**
 * The secret-scanning partner endpoints: a scanner (GitHub's partner program, or any that signs
 * the same way) posts tokens it found in public. Public routes that accept nothing but a report
 * signed by a configured key (ECDSA P-256 / SHA-256 over the raw body, read as bytes, at most
 * SECRET_SCANNING_BODY_LIMIT). `verify` only says which tokens are PlexMCP keys; `revoke` also
 * acts: live keys revoked at once, test keys only if their organization opted in, and a
 * `key_leaked` alert (with its webhooks) for every key reported. Both answer one entry per token,
 * as a bare JSON array as GitHub reads it; refusals use the error envelope.
 */
export function registerSecretScanningRoutes(
  app: FastifyInstance,
  deps: { runtime: GatewayRuntime; keys: ScannerPublicKeys; logger: Logger },
): void {
  const { runtime, keys, logger } = deps;

  const handle = async (request: FastifyRequest, reply: FastifyReply, act: boolean): Promise<void> => {
    const body = request.body;
    if (!Buffer.isBuffer(body)) throw new AppError(ErrorCode.ValidationError, 'Expected a JSON body');
    const identifier = header(request, SECRET_SCANNING_KEY_ID_HEADER);
    const signature = header(request, SECRET_SCANNING_SIGNATURE_HEADER);
    if (!verifyScannerSignature(keys, identifier, signature, body)) {
      throw new AppError(ErrorCode.Unauthorized, BAD_SIGNATURE);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new AppError(ErrorCode.ValidationError, 'Body is not JSON');
    }
    const parsed = secretScanningReportSchema.safeParse(json);
    if (!parsed.success) {
      throw new AppError(ErrorCode.ValidationError, undefined, { details: zodDetails(parsed.error) });
    }

    // Only well-formed keys (prefix, length, checksum) are looked up; the rest are not ours.
    const byHash = new Map<string, { url: string; source: string }>();
    const hashes = parsed.data.map((match) => {
      const hash = hashApiKey(match.token);
      if (parseApiKey(match.token) !== null && !byHash.has(hash))
        byHash.set(hash, { url: match.url, source: match.source });
      return hash;
    });
    const found = new Map<string, { action: SecretScanningResult['action'] }>();
    if (byHash.size > 0) {
      const lookup: LeakedKeysRequest = {
        act,
        reports: [...byHash].map(([key_hash, where]) => ({ key_hash, ...where })),
      };
      const { results } = await runtime.rpc.call(Subjects.keys.leaked, lookup, leakedKeysReplySchema, {
        timeoutMs: runtime.changeTimeoutMs,
      });
      const leaks: KeyLeakedAlertsRequest['leaks'] = [];
      for (const result of results) {
        if (result.key === null) continue;
        found.set(result.key_hash, { action: result.action });
        const where = byHash.get(result.key_hash)!;
        if (act)
          leaks.push({
            org_id: result.key.org_id,
            key_id: result.key.id,
            mode: result.key.mode,
            ...where,
            action: result.action,
          });
        if (result.action === 'revoked')
          logger.warn(
            { key_id: result.key.id, org_id: result.key.org_id, source: where.source },
            'leaked API key revoked',
          );
      }
      if (leaks.length > 0) {
        await runtime.rpc.call(UsageSubjects.alerts.keyLeaked, { leaks }, keyLeakedAlertsReplySchema);
      }
    }
    const answer: SecretScanningResult[] = parsed.data.map((match, i) => {
      const hit = found.get(hashes[i]!);
      return {
        token_hash: hashes[i]!,
        token_type: match.type,
        label: hit === undefined ? 'false_positive' : 'true_positive',
        action: hit?.action ?? 'none',
      };
    });
    void reply.code(200).header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(answer));
  };

  app.register((instance, _opts, next) => {
    // The signature covers the exact bytes: read them raw, bounded, and parse only once verified.
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: SECRET_SCANNING_BODY_LIMIT },
      (_req, payload, done) => done(null, payload),
    );
    for (const [url, act] of [
      [SECRET_SCANNING_VERIFY_ROUTE, false],
      [SECRET_SCANNING_REVOKE_ROUTE, true],
    ] as const) {
      instance.post(
        url,
        { config: { access: PUBLIC }, bodyLimit: SECRET_SCANNING_BODY_LIMIT },
        (request, reply) =>
          handle(request, reply, act).catch((err: unknown) => {
            const error =
              err instanceof AppError
                ? err
                : new AppError(ErrorCode.InternalError, undefined, { cause: err });
            if (!(err instanceof AppError))
              logger.error({ err, request_id: request.requestId }, 'secret scanning report failed');
            request.errorCode = error.code;
            sendError(reply, error, request.requestId);
          }),
      );
    }
    next();
  });
}
