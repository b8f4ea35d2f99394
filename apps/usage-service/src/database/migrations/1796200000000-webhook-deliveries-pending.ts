import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * The dispatcher claims at most one delivery per endpoint and skips endpoints with an attempt
 * under lease: both look at an endpoint's pending deliveries only, which this index finds without
 * reading its delivery history.
 */
export class WebhookDeliveriesPending1796200000000 implements MigrationInterface {
  name = 'WebhookDeliveriesPending1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX webhook_deliveries_pending_by_webhook ON ${table(q, 'webhook_deliveries')}
       (webhook_id, next_attempt_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = table(q, 'webhook_deliveries').split('.')[0];
    await q.query(`DROP INDEX ${schema}.webhook_deliveries_pending_by_webhook`);
  }
}
