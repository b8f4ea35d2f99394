import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AlertThresholds } from '@plexmcp/contracts';

/** An organization's overrides of the anomaly thresholds (absent fields: the defaults). */
@Entity({ name: 'org_alert_thresholds' })
export class OrgAlertThresholdsEntity {
  @PrimaryColumn({ type: 'text', collation: 'C' })
  org_id!: string;

  @Column({ type: 'jsonb' })
  overrides!: Partial<AlertThresholds>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updated_at!: Date;
}
