import { Injectable } from '@nestjs/common';
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS } from '@plexmcp/contracts';
import { Tables } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import { idempotencyRecordId, splitRecordId } from './idempotency-response-cipher.js';

export interface IdempotencyRecord {
  fingerprint: string;
  /** Null while the request holding the key runs. */
  status: number | null;
  /** The sealed answer, or null while the request runs. */
  response: string | null;
}

/** A record as the re-encryption pass sees it. */
export interface StoredResponse {
  id: string;
  response: string;
}

const SWEEP_BATCH = 5_000;

/** The only code that touches `idempotency_records`. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly tables: Tables) {}

  private get table(): string {
    return this.tables.name('idempotency_records');
  }

  /**
   * Claims the key in one statement: a new key, one past its 24 h, or one whose holder stopped
   * without an answer for longer than the lease (same fingerprint only) becomes this request's.
   * True when claimed; otherwise the caller reads the record.
   */
  async claim(orgId: string, key: string, fingerprint: string): Promise<boolean> {
    const rows = await this.tables.rows<{ claimed: boolean }>(
      this.tables.manager,
      `INSERT INTO ${this.table} AS r (org_id, idempotency_key, fingerprint)
       VALUES ($1, $2, $3)
       ON CONFLICT (org_id, idempotency_key) DO UPDATE
          SET fingerprint = EXCLUDED.fingerprint, status = NULL, response = NULL,
              created_at = now(), locked_at = now()
        WHERE r.created_at <= now() - make_interval(secs => $4)
           OR (r.status IS NULL AND r.fingerprint = EXCLUDED.fingerprint
               AND r.locked_at <= now() - make_interval(secs => $5))
       RETURNING true AS claimed`,
      [orgId, key, fingerprint, IDEMPOTENCY_TTL_MS / 1000, IDEMPOTENCY_LEASE_MS / 1000],
    );
    return rows.length === 1;
  }

  /** The live record of the key (not past its 24 h), or null. */
  async find(orgId: string, key: string): Promise<IdempotencyRecord | null> {
    const rows = await this.tables.rows<IdempotencyRecord>(
      this.tables.manager,
      `SELECT fingerprint, status, response FROM ${this.table}
        WHERE org_id = $1 AND idempotency_key = $2 AND created_at > now() - make_interval(secs => $3)`,
      [orgId, key, IDEMPOTENCY_TTL_MS / 1000],
    );
    return rows[0] ?? null;
  }

  /** Stores the answer of the request holding the key; false when it no longer holds it. */
  async complete(
    orgId: string,
    key: string,
    fingerprint: string,
    status: number,
    sealed: string,
  ): Promise<boolean> {
    return this.completeWithin(this.tables.manager, orgId, key, fingerprint, status, sealed);
  }

  /**
   * `complete`, in the caller's transaction (which then holds the record's row lock until it
   * ends, so a `release` meanwhile waits and then finds the answer stored).
   */
  async completeWithin(
    manager: EntityManager,
    orgId: string,
    key: string,
    fingerprint: string,
    status: number,
    sealed: string,
  ): Promise<boolean> {
    const rows = await this.tables.rows<{ done: boolean }>(
      manager,
      `UPDATE ${this.table} SET status = $4, response = $5
        WHERE org_id = $1 AND idempotency_key = $2 AND fingerprint = $3 AND status IS NULL
       RETURNING true AS done`,
      [orgId, key, fingerprint, status, sealed],
    );
    return rows.length === 1;
  }

  /** Forgets a key whose request failed on the server's side, so a retry runs it again. */
  async release(orgId: string, key: string, fingerprint: string): Promise<boolean> {
    const rows = await this.tables.rows<{ done: boolean }>(
      this.tables.manager,
      `DELETE FROM ${this.table}
        WHERE org_id = $1 AND idempotency_key = $2 AND fingerprint = $3 AND status IS NULL
       RETURNING true AS done`,
      [orgId, key, fingerprint],
    );
    return rows.length === 1;
  }

  /** Deletes records older than `ttlMs`, in batches; the number deleted. */
  async sweep(ttlMs: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.tables.rows<{ org_id: string }>(
        this.tables.manager,
        `DELETE FROM ${this.table} WHERE ctid IN (
           SELECT ctid FROM ${this.table} WHERE created_at <= now() - make_interval(secs => $1) LIMIT ${SWEEP_BATCH})
         RETURNING org_id`,
        [ttlMs / 1000],
      );
      deleted += rows.length;
      if (rows.length < SWEEP_BATCH) return deleted;
    }
  }

  /** Every stored answer, locked for update (the re-encryption pass). */
  async lockResponses(manager: EntityManager): Promise<StoredResponse[]> {
    const rows = await this.tables.rows<{ org_id: string; idempotency_key: string; response: string }>(
      manager,
      `SELECT org_id, idempotency_key, response FROM ${this.table}
        WHERE response IS NOT NULL ORDER BY org_id, idempotency_key FOR UPDATE`,
    );
    return rows.map((r) => ({ id: idempotencyRecordId(r.org_id, r.idempotency_key), response: r.response }));
  }

  async storeResponse(manager: EntityManager, id: string, response: string): Promise<void> {
    const { orgId, key } = splitRecordId(id);
    await this.tables.rows(
      manager,
      `UPDATE ${this.table} SET response = $3 WHERE org_id = $1 AND idempotency_key = $2`,
      [orgId, key, response],
    );
  }
}
