import type { AlertStatus, AlertType } from '@plexmcp/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Property names are the column names, the shape of the rows `AlertsRepository` answers. */
@Entity({ name: 'alerts' })
@Index('alerts_org_created', { synchronize: false })
export class AlertEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  org_id!: string;

  @Column({ type: 'text' })
  key_id!: string;

  @Column({ type: 'text' })
  type!: AlertType;

  @Column({ type: 'text', default: 'open' })
  status!: AlertStatus;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  acknowledged_at!: Date | null;
}

/** One row per (key, type, subject): an alert is raised only when `until` has passed. */
@Entity({ name: 'alert_cooldowns' })
export class AlertCooldownEntity {
  @PrimaryColumn({ type: 'text' })
  key_id!: string;

  @PrimaryColumn({ type: 'text' })
  type!: string;

  @PrimaryColumn({ type: 'text' })
  subject!: string;

  @Column({ type: 'timestamptz' })
  until!: Date;
}

/** Where and when a key was first seen. */
@Entity({ name: 'key_profiles' })
export class KeyProfileEntity {
  @PrimaryColumn({ type: 'text' })
  key_id!: string;

  @Column({ type: 'text' })
  org_id!: string;

  @Column({ type: 'text', nullable: true })
  first_country!: string | null;

  @Column({ type: 'timestamptz' })
  first_seen_at!: Date;
}

/** The countries a key was used from. */
@Entity({ name: 'key_countries' })
export class KeyCountryEntity {
  @PrimaryColumn({ type: 'text' })
  key_id!: string;

  @PrimaryColumn({ type: 'text' })
  country!: string;

  @Column({ type: 'timestamptz' })
  first_seen_at!: Date;
}
