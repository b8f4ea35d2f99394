import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from './webhook.entity.js';
import { Tables, TransactionRunner, type SqlExecutor } from '@plexmcp/service-kit';
import type { Cursor } from '@plexmcp/service-kit';

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
 * Webhooks, their deliveries and attempts. Single-row reads go through the entities' repositories;
 * raw SQL remains where one statement must do what TypeORM would split: batch inserts from arrays
 * (`unnest`), keyset pages, and the lease claim (CTE + UPDATE … RETURNING joined with the endpoint).
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
    const [created] = await this.tables.manager.query<WebhookRow[]>(
      `INSERT INTO ${this.s}.webhooks (id, org_id, url, description, events, secret)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [row.id, row.org_id, row.url, row.description, row.events, row.secret],
    );
    return created!;
  }

  async list(orgId: string, limit: number, after: Cursor | null): Promise<WebhookRow[]> {
    return this.tables.manager.query<WebhookRow[]>(
      `SELECT * FROM ${this.s}.webhooks WHERE org_id = $1
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [orgId, after?.createdAt.toISOString() ?? null, after?.id ?? '', limit],
    );
  }

  async find(orgId: string, id: string): Promise<WebhookRow | null> {
    return this.tables.repository(WebhookEntity).findOneBy({ org_id: orgId, id });
  }

  async delete(orgId: string, id: string): Promise<WebhookRow | null> {
    const rows = await this.tables.rows<WebhookRow>(
      this.tables.manager,
      `DELETE FROM ${this.s}.webhooks WHERE org_id = $1 AND id = $2 RETURNING *`,
      [orgId, id],
    );
    return rows[0] ?? null;
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
    return this.tables.manager.query<DeliveryRow[]>(
      `SELECT id, webhook_id, org_id, event_type, body, status, attempt_count, next_attempt_at, created_at, completed_at
       FROM ${this.s}.webhook_deliveries WHERE webhook_id = $1
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [webhookId, after?.createdAt.toISOString() ?? null, after?.id ?? '', limit],
    );
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
    const rows = await this.tables.manager.query<{ at: Date | null }[]>(
      `SELECT min(next_attempt_at) AS at FROM ${this.s}.webhook_deliveries WHERE status = 'pending'`,
    );
    return rows[0]?.at ?? null;
  }

  /**
   * Webhooks' ids and stored secrets, locked until the transaction ends (re-encryption): all of
   * them, or (`onlyPlaintext`) those not stored as an `enc:v1:` envelope.
   */
  async lockSecrets(sql: SqlExecutor, onlyPlaintext: boolean): Promise<Pick<WebhookRow, 'id' | 'secret'>[]> {
    return sql.query<Pick<WebhookRow, 'id' | 'secret'>[]>(
      `SELECT id, secret FROM ${this.s}.webhooks WHERE NOT $1 OR secret NOT LIKE 'enc:v1:%' ORDER BY id FOR UPDATE`,
      [onlyPlaintext],
    );
  }

  /** Rewrites a stored secret only (same secret, new ciphertext). */
  async storeSecret(sql: SqlExecutor, id: string, secret: string): Promise<void> {
    await sql.query(`UPDATE ${this.s}.webhooks SET secret = $2 WHERE id = $1`, [id, secret]);
  }
}
