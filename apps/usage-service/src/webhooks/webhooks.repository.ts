import { Injectable } from '@nestjs/common';
import { type EntityManager, In } from 'typeorm';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from './webhook.entity.js';
import { type Cursor, type SqlExecutor, Tables, TransactionRunner, keysetPage } from '@plexmcp/service-kit';

export interface WebhookRow {
  id: string;
  org_id: string;
  url: string;
  description: string | null;
  events: string[];
  /** Encrypted at rest (`WebhookSecretCipher`); a `whsec_…` value predates encryption. */
  secret: string;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  created_at: Date;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  org_id: string;
  event_type: string;
  body: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: number;
  next_attempt_at: Date | null;
  created_at: Date;
  completed_at: Date | null;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** A due delivery claimed by one dispatcher (lease until `locked_until`). */
export interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  event_type: string;
  body: string;
  attempt_count: number;
  url: string;
  /** As stored: open it with `WebhookSecretCipher` before signing. */
  secret: string;
  webhook_status: 'enabled' | 'disabled';
}

export interface NewDelivery {
  id: string;
  webhookId: string;
  orgId: string;
  eventType: string;
  body: string;
}

/**
 * Webhooks, their deliveries and attempts, through the entities' repositories. Raw SQL remains
 * where one statement does what TypeORM cannot express: the batch insert of deliveries from arrays
 * (`unnest`), the subscriber match on an array column, the lease claim (CTE + UPDATE … RETURNING
 * joined with the endpoint) and the attempt bookkeeping of the dispatcher's loop.
 */
@Injectable()
export class WebhooksRepository {
  private readonly s: string;

  constructor(
    private readonly tables: Tables,
    private readonly transactions: TransactionRunner,
  ) {
    this.s = `"${tables.schema}"`;
  }

  async insert(row: Omit<WebhookRow, 'created_at' | 'status' | 'disabled_reason'>): Promise<WebhookRow> {
    const result = await this.tables
      .repository(WebhookEntity)
      .createQueryBuilder()
      .insert()
      .values(row)
      .returning('*')
      .execute();
    return (result.raw as WebhookRow[])[0]!;
  }

  async list(orgId: string, limit: number, after: Cursor | null): Promise<WebhookRow[]> {
    const qb = this.tables
      .repository(WebhookEntity)
      .createQueryBuilder('w')
      .where('w.org_id = :orgId', { orgId });
    return keysetPage(qb, after, limit).getMany();
  }

  async find(orgId: string, id: string): Promise<WebhookRow | null> {
    return this.tables.repository(WebhookEntity).findOneBy({ org_id: orgId, id });
  }

  async delete(orgId: string, id: string): Promise<WebhookRow | null> {
    const result = await this.tables
      .repository(WebhookEntity)
      .createQueryBuilder()
      .delete()
      .where('org_id = :orgId AND id = :id', { orgId, id })
      .returning('*')
      .execute();
    return (result.raw as WebhookRow[])[0] ?? null;
  }

  /** Enabled endpoints of an organization subscribed to an event type. */
  async subscribers(sql: SqlExecutor, orgId: string, eventType: string): Promise<WebhookRow[]> {
    return sql.query<WebhookRow[]>(
      `SELECT * FROM ${this.s}.webhooks WHERE org_id = $1 AND status = 'enabled' AND $2 = ANY(events)`,
      [orgId, eventType],
    );
  }

  async insertDeliveries(deliveries: NewDelivery[], sql: SqlExecutor = this.tables.manager): Promise<void> {
    if (deliveries.length === 0) return;
    await sql.query(
      `INSERT INTO ${this.s}.webhook_deliveries (id, webhook_id, org_id, event_type, body, next_attempt_at)
       SELECT *, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.webhookId),
        deliveries.map((d) => d.orgId),
        deliveries.map((d) => d.eventType),
        deliveries.map((d) => d.body),
      ],
    );
  }

  async deliveries(webhookId: string, limit: number, after: Cursor | null): Promise<DeliveryRow[]> {
    const qb = this.tables
      .repository(WebhookDeliveryEntity)
      .createQueryBuilder('d')
      .where('d.webhook_id = :webhookId', { webhookId });
    return keysetPage(qb, after, limit).getMany();
  }

  async findDelivery(id: string): Promise<DeliveryRow | null> {
    return this.tables.repository(WebhookDeliveryEntity).findOneBy({ id });
  }

  async attempts(deliveryIds: string[]): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return this.tables.repository(WebhookAttemptEntity).find({
      where: { delivery_id: In(deliveryIds) },
      order: { delivery_id: 'ASC', attempt: 'ASC' },
    });
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs`, at most one per endpoint, and none of an
   * endpoint that already has an attempt under lease (here or in another instance): endpoints are
   * served independently and one at a time each. Per endpoint the delivery due first is taken;
   * among endpoints, the one waiting longest goes first. A row another dispatcher claimed
   * meanwhile fails the lease re-check of the UPDATE, so no delivery is claimed twice; a crashed
   * dispatcher's lease simply runs out.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return await this.tables.rows<ClaimedDelivery>(
      this.tables.manager,
      `WITH due AS (
           SELECT DISTINCT ON (p.webhook_id) p.id, p.next_attempt_at
           FROM ${this.s}.webhook_deliveries p
           WHERE p.status = 'pending' AND p.next_attempt_at <= now()
             AND (p.locked_until IS NULL OR p.locked_until < now())
             AND NOT EXISTS (
               SELECT 1 FROM ${this.s}.webhook_deliveries busy
               WHERE busy.webhook_id = p.webhook_id AND busy.status = 'pending'
                 AND busy.locked_until >= now())
           ORDER BY p.webhook_id, p.next_attempt_at, p.id
         ), picked AS (
           SELECT id FROM due ORDER BY next_attempt_at LIMIT $1
         )
         UPDATE ${this.s}.webhook_deliveries d
         SET locked_until = now() + make_interval(secs => $2)
         FROM ${this.s}.webhooks w
         WHERE d.id IN (SELECT id FROM picked) AND w.id = d.webhook_id
           AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until < now())
         RETURNING d.id, d.webhook_id, d.event_type, d.body, d.attempt_count, w.url, w.secret,
                   w.status AS webhook_status`,
      [limit, leaseMs / 1000],
    );
  }

  /** Records one attempt and moves the delivery on, in one transaction. */
  async recordAttempt(
    attempt: Omit<AttemptRow, 'attempted_at'> & { attemptedAt: Date },
    outcome:
      | { kind: 'succeeded' }
      | { kind: 'retry'; nextAttemptAt: Date }
      | { kind: 'failed'; disableWebhook: { id: string; reason: string } | null },
    reenableWebhookId: string | null,
  ): Promise<void> {
    await this.transactions.run(async (tx) => {
      await tx.query(
        `INSERT INTO ${this.s}.webhook_attempts (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [
          attempt.delivery_id,
          attempt.attempt,
          attempt.attemptedAt.toISOString(),
          attempt.status_code,
          attempt.error,
          attempt.duration_ms,
        ],
      );
      if (outcome.kind === 'retry') {
        await tx.query(
          `UPDATE ${this.s}.webhook_deliveries
           SET attempt_count = $2, next_attempt_at = $3, locked_until = NULL WHERE id = $1`,
          [attempt.delivery_id, attempt.attempt, outcome.nextAttemptAt.toISOString()],
        );
        return;
      }
      await tx.query(
        `UPDATE ${this.s}.webhook_deliveries
         SET attempt_count = $2, status = $3, next_attempt_at = NULL, locked_until = NULL, completed_at = now()
         WHERE id = $1`,
        [attempt.delivery_id, attempt.attempt, outcome.kind],
      );
      if (outcome.kind === 'failed' && outcome.disableWebhook) {
        await this.disable(tx, outcome.disableWebhook.id, outcome.disableWebhook.reason);
      }
      if (outcome.kind === 'succeeded' && reenableWebhookId) {
        await tx.query(
          `UPDATE ${this.s}.webhooks SET status = 'enabled', disabled_reason = NULL WHERE id = $1`,
          [reenableWebhookId],
        );
      }
    });
  }

  /** Disables an endpoint and gives up its other pending deliveries. */
  async disable(sql: SqlExecutor, webhookId: string, reason: string): Promise<void> {
    await sql.query(`UPDATE ${this.s}.webhooks SET status = 'disabled', disabled_reason = $2 WHERE id = $1`, [
      webhookId,
      reason,
    ]);
    await sql.query(
      `UPDATE ${this.s}.webhook_deliveries
       SET status = 'failed', next_attempt_at = NULL, locked_until = NULL, completed_at = now()
       WHERE webhook_id = $1 AND status = 'pending' AND event_type <> 'webhook.test'`,
      [webhookId],
    );
  }

  async nextDueAt(): Promise<Date | null> {
    const row = await this.tables
      .repository(WebhookDeliveryEntity)
      .createQueryBuilder('d')
      .select('min(d.next_attempt_at)', 'at')
      .where("d.status = 'pending'")
      .getRawOne<{ at: Date | null }>();
    return row?.at ?? null;
  }

  /**
   * Webhooks' ids and stored secrets, locked until the transaction ends (re-encryption): all of
   * them, or (`onlyPlaintext`) those not stored as an `enc:v1:` envelope.
   */
  async lockSecrets(
    manager: EntityManager,
    onlyPlaintext: boolean,
  ): Promise<Pick<WebhookRow, 'id' | 'secret'>[]> {
    const qb = this.tables
      .repository(WebhookEntity, manager)
      .createQueryBuilder('w')
      .select(['w.id', 'w.secret'])
      .orderBy('w.id', 'ASC')
      .setLock('pessimistic_write');
    if (onlyPlaintext) qb.where(`w.secret NOT LIKE 'enc:v1:%'`);
    return qb.getMany();
  }

  /** Rewrites a stored secret only (same secret, new ciphertext). */
  async storeSecret(manager: EntityManager, id: string, secret: string): Promise<void> {
    await this.tables.repository(WebhookEntity, manager).update({ id }, { secret });
  }
}
