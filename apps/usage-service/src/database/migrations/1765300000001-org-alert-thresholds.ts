import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/** An organization's own anomaly thresholds (its overrides of the ANOMALY_* defaults). */
export class OrgAlertThresholds1765300000001 implements MigrationInterface {
  name = 'OrgAlertThresholds1765300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${table(q, 'org_alert_thresholds')} (
      org_id text COLLATE "C" PRIMARY KEY,
      overrides jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${table(q, 'org_alert_thresholds')}`);
  }
}
