import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { transformFile } from '@swc/core';
import { pinTickObjectShape } from './tick-shape.js';

/**
 * What an idle process does to `process.nextTick`, reproduced in a child process of its own: a
 * burst of ticks, full collections while none is alive, a second burst. V8's feedback for the
 * entry literal's computed keys is then printed (`%DebugPrint`) and read.
 */
const PROBE = `
import { pinTickObjectShape } from './tick-shape.mjs';
if (process.argv[2] === 'pin') pinTickObjectShape();
const burst = (n) => new Promise((done) => {
  let left = n;
  const step = () => (--left > 0 ? process.nextTick(step) : done());
  process.nextTick(step);
});
await burst(1000);
await new Promise((resolve) => setTimeout(resolve, 10));
gc();
gc();
await new Promise((resolve) => setTimeout(resolve, 10));
await burst(1000);
%DebugPrint(process.nextTick);
`;

const run = promisify(execFile);

describe('pinTickObjectShape', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tick-shape-'));
    const source = fileURLToPath(new URL('./tick-shape.ts', import.meta.url));
    const { code } = await transformFile(source, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    await writeFile(path.join(dir, 'tick-shape.mjs'), code);
    await writeFile(path.join(dir, 'probe.mjs'), PROBE);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The states of the entry literal's feedback slots after an idle collection. */
  async function literalFeedback(mode: 'pin' | 'none'): Promise<string[]> {
    const { stdout } = await run(
      process.execPath,
      ['--allow-natives-syntax', '--expose-gc', path.join(dir, 'probe.mjs'), mode],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    return [...stdout.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]!);
  }

  it('without it, an idle collection leaves nextTick off the fast path for good (the V8 behaviour it works around)', async () => {
    // If this fails, V8 no longer does this: the pin may be obsolete (see tick-shape.ts).
    expect(await literalFeedback('none')).toContain('MEGAMORPHIC');
  });

  it('with it, the entry literal stays monomorphic after an idle collection', async () => {
    const states = await literalFeedback('pin');
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((state) => state === 'MONOMORPHIC')).toBe(true);
  });

  it('holds an entry, once per process', () => {
    expect(pinTickObjectShape()).toBe(true);
    expect(pinTickObjectShape()).toBe(true);
  });
});
