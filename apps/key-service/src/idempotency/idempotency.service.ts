import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  ErrorCode,
  type HeldIdempotencyKey,
  type BeginIdempotencyRequest,
  type CompleteIdempotencyRequest,
  IDEMPOTENCY_TTL_MS,
  type IdempotencyBeginReply,
  type IdempotencyDoneReply,
  type ReleaseIdempotencyRequest,
} from '@plexmcp/contracts';
import { SERVICE_LOGGER, withClusterLock } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { DataSource, type EntityManager } from 'typeorm';
import { IdempotencyResponseCipher, idempotencyRecordId } from './idempotency-response-cipher.js';
import { IdempotencyRepository } from './idempotency.repository.js';

const CLAIM_LOST =
  'This request no longer holds its Idempotency-Key (another attempt with the key took over): retry to get that answer';

/**
 * Idempotency-Key records for every gateway instance (Stripe's semantics): the first request
 * with a key claims it, its answer is stored encrypted, and for 24 h a retry with the same key
 * and the same request gets that answer back; another request under the key is refused.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly records: IdempotencyRepository,
    private readonly cipher: IdempotencyResponseCipher,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async begin({ org_id, key, fingerprint }: BeginIdempotencyRequest): Promise<IdempotencyBeginReply> {
    // A record deleted (swept, released) between the claim and the read is claimed on the next turn.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (await this.records.claim(org_id, key, fingerprint)) return { state: 'started' };
      const record = await this.records.find(org_id, key);
      if (record === null) continue;
      if (record.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (record.status === null || record.response === null) return { state: 'in_progress' };
      const body = this.cipher.open(idempotencyRecordId(org_id, key), record.response);
      return { state: 'completed', status: record.status, body };
    }
    return { state: 'in_progress' };
  }

  async complete(request: CompleteIdempotencyRequest): Promise<IdempotencyDoneReply> {
    const { org_id, key, fingerprint, status, body } = request;
    const sealed = this.cipher.seal(idempotencyRecordId(org_id, key), body);
    return { done: await this.records.complete(org_id, key, fingerprint, status, sealed) };
  }

  /**
   * Stores the answer of a write that carries the request's claim (`held`), in the write's own
   * transaction: it commits with the answer or not at all. A claim no longer held — released by a
   * gateway that gave up waiting, or taken over by a retry after the lease — refuses the write, so
   * the request never runs twice. Without a claim, nothing to do. The answer is `render` of the
   * reply as the gateway receives it (through JSON, parsed by `schema`), so a replay has the bytes
   * of the answer the gateway sends.
   */
  async answerWithin<T extends z.ZodType>(
    manager: EntityManager,
    orgId: string,
    held: HeldIdempotencyKey | undefined,
    answer: { status: number; schema: T; reply: z.infer<T>; render: (reply: z.infer<T>) => unknown },
  ): Promise<void> {
    if (held === undefined) return;
    const received = answer.schema.parse(JSON.parse(JSON.stringify(answer.reply)));
    const body = JSON.stringify(answer.render(received));
    const sealed = this.cipher.seal(idempotencyRecordId(orgId, held.key), body);
    const stored = await this.records.completeWithin(
      manager,
      orgId,
      held.key,
      held.fingerprint,
      answer.status,
      sealed,
    );
    if (!stored) throw new AppError(ErrorCode.Conflict, CLAIM_LOST);
  }

  async release({ org_id, key, fingerprint }: ReleaseIdempotencyRequest): Promise<IdempotencyDoneReply> {
    return { done: await this.records.release(org_id, key, fingerprint) };
  }

  /** Deletes records past their 24 h; one instance at a time cluster-wide (the others skip the round). */
  async sweep(): Promise<number> {
    const outcome = await withClusterLock(this.dataSource, 'idempotency-sweep', () =>
      this.records.sweep(IDEMPOTENCY_TTL_MS),
    );
    const deleted = outcome.ran ? outcome.value : 0;
    if (deleted > 0) this.logger.info({ deleted }, 'swept idempotency records');
    return deleted;
  }
}
