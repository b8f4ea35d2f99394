import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A subject's limit period: the key of its counter and of its block. */
abstract class LimitPeriodKey {
  @PrimaryColumn({ type: 'text' })
  scope!: string;

  @PrimaryColumn({ type: 'text' })
  subject_id!: string;

  @PrimaryColumn({ type: 'text' })
  period!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  period_start!: Date;
}

/** A live-request counter of one limit period (org/month, key/day, key/month). */
@Entity({ name: 'usage_counters' })
export class UsageCounterEntity extends LimitPeriodKey {
  @Column({ type: 'bigint' })
  count!: string;
}

/** A subject over its limit until `reset_at`. Property names are the column names (`BlockRow`). */
@Entity({ name: 'limit_blocks' })
export class LimitBlockEntity extends LimitPeriodKey {
  @Column({ type: 'text' })
  org_id!: string;

  @Column({ type: 'text', nullable: true })
  key_id!: string | null;

  @Column({ type: 'bigint' })
  limit_value!: string;

  @Column({ type: 'timestamptz' })
  reset_at!: Date;

  @Column({ type: 'boolean', default: false })
  announced!: boolean;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at!: Date;
}
