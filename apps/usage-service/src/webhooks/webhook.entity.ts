import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';

/** Property names are the column names, the shape of the rows `WebhooksRepository` answers. */
@Entity({ name: 'webhooks' })
@Index('webhooks_org_created', { synchronize: false })
export class WebhookEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  org_id!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', array: true })
  events!: string[];

  /** Encrypted at rest (`WebhookSecretCipher`); a `whsec_…` value predates encryption. */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ type: 'text', default: 'enabled' })
  status!: 'enabled' | 'disabled';

  @Column({ type: 'text', nullable: true })
  disabled_reason!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at!: Date;
}

@Entity({ name: 'webhook_deliveries' })
@Index('webhook_deliveries_due', { synchronize: false })
@Index('webhook_deliveries_webhook', { synchronize: false })
@Index('webhook_deliveries_pending_by_webhook', { synchronize: false })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  webhook_id!: string;

  @ManyToOne(() => WebhookEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'webhook_id', foreignKeyConstraintName: 'webhook_deliveries_webhook_id_fkey' })
  webhook?: Relation<WebhookEntity>;

  @Column({ type: 'text' })
  org_id!: string;

  @Column({ type: 'text' })
  event_type!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: 'pending' | 'succeeded' | 'failed';

  @Column({ type: 'integer', default: 0 })
  attempt_count!: number;

  @Column({ type: 'timestamptz', nullable: true })
  next_attempt_at!: Date | null;

  /** The lease of the dispatcher attempting it. */
  @Column({ type: 'timestamptz', nullable: true })
  locked_until!: Date | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  completed_at!: Date | null;
}

@Entity({ name: 'webhook_attempts' })
export class WebhookAttemptEntity {
  @PrimaryColumn({ type: 'text' })
  delivery_id!: string;

  @ManyToOne(() => WebhookDeliveryEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'webhook_attempts_delivery_id_fkey' })
  delivery?: Relation<WebhookDeliveryEntity>;

  @PrimaryColumn({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'timestamptz' })
  attempted_at!: Date;

  @Column({ type: 'integer', nullable: true })
  status_code!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'integer' })
  duration_ms!: number;
}
