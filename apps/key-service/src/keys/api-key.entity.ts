import { Column, Entity } from 'typeorm';
import type { ActorRef, Permissions, RateLimit, Scope, UsageLimit } from '@plexmcp/contracts';
import { OrgOwnedRow } from '../database/base.entity.js';

export type StoredKeyStatus = 'active' | 'disabled' | 'revoked' | 'expired';

/** An API key. Only the SHA-256 of the secret is stored, plus a display prefix and last 4. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity extends OrgOwnedRow {
  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  mode!: 'live' | 'test';

  @Column({ name: 'key_hash', type: 'text' })
  keyHash!: string;

  @Column({ type: 'text' })
  prefix!: string;

  @Column({ type: 'text' })
  last4!: string;

  @Column({ type: 'jsonb' })
  permissions!: Permissions;

  @Column({ type: 'text', array: true })
  scopes!: Scope[];

  @Column({ name: 'rate_limit', type: 'jsonb', nullable: true })
  rateLimit!: RateLimit | null;

  @Column({ name: 'usage_limit', type: 'jsonb', nullable: true })
  usageLimit!: UsageLimit | null;

  /** What the sweeper or a revoke recorded; `effectiveKeyStatus()` also applies the clock. */
  @Column({ type: 'text' })
  status!: StoredKeyStatus;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** Set on a rotated key: it keeps working until then, and is revoked at that moment. */
  @Column({ name: 'grace_ends_at', type: 'timestamptz', nullable: true })
  graceEndsAt!: Date | null;

  @Column({ name: 'rotated_to', type: 'text', nullable: true })
  rotatedTo!: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  /** Free-form string pairs (at most 20), filterable in the list. */
  @Column({ type: 'jsonb', default: {} })
  metadata!: Record<string, string>;

  @Column({ type: 'text', array: true, default: [] })
  tags!: string[];

  /** The key's own CIDRs, checked beside its organization's; null: any address. */
  @Column({ name: 'ip_allowlist', type: 'text', array: true, nullable: true })
  ipAllowlist!: string[] | null;

  /** Who created the key (see `ActorRef`): a person, a key, or the system. */
  @Column({ name: 'created_by_type', type: 'text' })
  createdByType!: ActorRef['type'];

  @Column({ name: 'created_by_id', type: 'text', nullable: true })
  createdById!: string | null;

  @Column({ name: 'created_by_display', type: 'text' })
  createdByDisplay!: string;
}
