import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { type Cursor, decodeCursor, keysetPage, toPage } from '../src/index.js';
import { openTestDataSource } from '../src/testing/index.js';

/** Paging through a real table with keysetPage + toPage sees every row once, newest first. */
describe('keysetPage', () => {
  let dataSource: DataSource;
  let schema: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, schema, close } = await openTestDataSource('keyset'));
    await dataSource.query(
      `CREATE TABLE "${schema}".items (id text PRIMARY KEY, created_at timestamptz NOT NULL)`,
    );
    // Three rows share one instant: the id breaks the tie.
    await dataSource.query(
      `INSERT INTO "${schema}".items VALUES ('a', '2026-01-01T00:00:01Z'), ('b', '2026-01-01T00:00:02Z'),
         ('c', '2026-01-01T00:00:02Z'), ('d', '2026-01-01T00:00:02Z'), ('e', '2026-01-01T00:00:03Z')`,
    );
  });

  afterAll(() => close());

  it('walks the pages without skipping or repeating a row', async () => {
    type Row = { id: string; created_at: Date };
    const position = (r: Row): Cursor => ({ createdAt: r.created_at, id: r.id });
    const seen: string[][] = [];
    let after: Cursor | null = null;
    for (;;) {
      const qb = dataSource
        .createQueryBuilder()
        .select(['i.id AS id', 'i.created_at AS created_at'])
        .from(`${schema}.items`, 'i');
      const rows = await keysetPage(qb, after, 3).getRawMany<Row>();
      const page = toPage(rows, 2, (r) => r.id, position);
      seen.push(page.items);
      if (!page.next_cursor) break;
      after = decodeCursor(page.next_cursor);
    }
    expect(seen).toEqual([['e', 'd'], ['c', 'b'], ['a']]);
  });
});
