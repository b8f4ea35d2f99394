import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateApiKey, hashApiKey } from '@plexmcp/contracts';
import { validateKeySql } from '../src/keys/api-keys.repository.js';
import { type Harness, startHarness } from './support/harness.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** keys.validate reads one row through indexes, never scanning a table, however large it grows. */
describe('keys.validate query plan', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('plan');
    await h.createOrg({ name: 'Planned' });
    // A realistic population: 2,000 organizations with 10 keys each, then fresh statistics.
    await h.db.query(`
      INSERT INTO organizations (id, name)
      SELECT 'org_plan' || lpad(g::text, 8, '0'), 'Org ' || g FROM generate_series(1, 2000) g`);
    await h.db.query(`
      INSERT INTO api_keys (id, org_id, name, mode, key_hash, prefix, last4, permissions, expires_at)
      SELECT 'key_plan' || lpad(g::text, 8, '0'), 'org_plan' || lpad((1 + g % 2000)::text, 8, '0'), 'k', 'live',
             encode(sha256(g::text::bytea), 'hex'), 'pk_live_AbCd', 'wxyz', '{"mcps":"*"}', now() + interval '30 days'
        FROM generate_series(1, 20000) g`);
    await h.db.query('ANALYZE organizations; ANALYZE api_keys');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('uses the unique key_hash index and the organization primary key, with no sequential scan', async () => {
    const hash = hashApiKey(generateApiKey('live'));
    const { rows } = await h.db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (FORMAT JSON) ${validateKeySql(h.schema)}`,
      [hash],
    );
    const plan = nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(plan.find((n) => n['Relation Name'] === 'api_keys')?.['Index Name']).toBe('api_keys_key_hash_key');
    expect(plan.find((n) => n['Relation Name'] === 'organizations')?.['Index Name']).toBe(
      'organizations_pkey',
    );
  });

  it('the explained statement is the one that finds a key with its organization', async () => {
    const { rows } = await h.db.query<{ key_hash: string }>(
      `SELECT key_hash FROM api_keys WHERE id = 'key_plan00000042'`,
    );
    const { rows: direct } = await h.db.query(validateKeySql(h.schema), [rows[0]!.key_hash]);
    expect(direct[0]).toMatchObject({
      id: 'key_plan00000042',
      org_id: 'org_plan00000043',
      org_status: 'active',
    });
  });
});
