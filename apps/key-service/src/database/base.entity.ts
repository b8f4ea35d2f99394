import { Column, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from './column-transformers.js';

/** The columns every key-service table starts with: a prefixed text id and when it was written. */
export abstract class RecordedRow {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A row that changes: its version (optimistic concurrency, cache invalidation) and last update. */
export abstract class VersionedRow extends RecordedRow {
  @Column({ type: 'bigint', transformer: bigintToNumber })
  version!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A versioned row owned by one organization. */
export abstract class OrgOwnedRow extends VersionedRow {
  @Column({ name: 'org_id', type: 'text' })
  orgId!: string;
}
