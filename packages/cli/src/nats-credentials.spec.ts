import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { UsageError } from './errors.js';
import { LOCAL_NATS_CREDENTIALS_FILE, cliNatsSettings } from './nats-credentials.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'plexmcp-cli-creds-'));
writeFileSync(
  path.join(dataDir, LOCAL_NATS_CREDENTIALS_FILE),
  JSON.stringify({ url: 'nats://127.0.0.1:4222', users: { ops: { user: 'ops', password: 'pw-ops' } } }),
);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the CLI’s NATS credentials', () => {
  it('uses the ops user that pnpm start generated for the NATS at NATS_URL', () => {
    expect(cliNatsSettings({ PLEXMCP_DATA_DIR: dataDir })).toEqual({
      url: 'nats://127.0.0.1:4222',
      auth: { user: 'ops', password: 'pw-ops' },
    });
  });

  it('never sends them to another NATS, and prefers the NATS_* variables', () => {
    expect(cliNatsSettings({ PLEXMCP_DATA_DIR: dataDir, NATS_URL: 'nats://elsewhere:4222' }).auth).toEqual(
      {},
    );
    expect(
      cliNatsSettings({ PLEXMCP_DATA_DIR: dataDir, NATS_USER: 'ops2', NATS_PASSWORD: 'x' }).auth,
    ).toEqual({ user: 'ops2', password: 'x' });
    expect(cliNatsSettings({ PLEXMCP_DATA_DIR: dataDir, NATS_CREDS: '/ops.creds' }).auth).toEqual({
      credsFile: '/ops.creds',
    });
  });

  it('reports an unusable combination as invalid input', () => {
    expect(() => cliNatsSettings({ NATS_USER: 'ops' })).toThrow(UsageError);
  });
});
