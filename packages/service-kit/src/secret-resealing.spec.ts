import { describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { type SealedColumn, resealColumn } from './secret-resealing.js';

interface Row {
  id: string;
  secret: string;
}

/** A column kept in a map: values starting with `old:` or in clear need resealing under `new:`. */
function memoryColumn(rows: Record<string, string>) {
  const locks: boolean[] = [];
  const column: SealedColumn<Row, string> = {
    cipher: {
      store: 'things.secret',
      keyId: 'new',
      reseal: (_id, stored, scope) => {
        const inClear = !stored.includes(':');
        const changed = inClear || (scope === 'all' && stored.startsWith('old:'));
        return { value: changed ? `new:${stored.replace(/^old:/, '')}` : stored, changed };
      },
    },
    lock: (_manager, onlyPlaintext) => {
      locks.push(onlyPlaintext);
      return Promise.resolve(Object.entries(rows).map(([id, secret]) => ({ id, secret })));
    },
    read: (row) => row.secret,
    write: (_manager, id, value) => {
      rows[id] = value;
      return Promise.resolve();
    },
  };
  return { column, rows, locks };
}

const manager = {} as EntityManager;

describe('resealColumn', () => {
  it('writes back only the values the cipher changed and counts them', async () => {
    const { column, rows, locks } = memoryColumn({ a: 'clear', b: 'old:x', c: 'new:y' });

    await expect(resealColumn(manager, column, 'all')).resolves.toEqual({ rows: 3, reencrypted: 2 });

    expect(rows).toEqual({ a: 'new:clear', b: 'new:x', c: 'new:y' });
    expect(locks).toEqual([false]);
  });

  it("asks the repository for the rows in clear only when the scope is 'plaintext'", async () => {
    const { column, rows, locks } = memoryColumn({ a: 'clear', b: 'old:x' });

    await expect(resealColumn(manager, column, 'plaintext')).resolves.toEqual({ rows: 2, reencrypted: 1 });

    expect(rows).toEqual({ a: 'new:clear', b: 'old:x' });
    expect(locks).toEqual([true]);
  });
});
