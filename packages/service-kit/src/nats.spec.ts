import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, baseServiceEnv, checkNatsAuth, loadConfig, natsAuthOf } from './config.js';
import { natsConnectOptions } from './nats.js';

const schema = z.object(baseServiceEnv).superRefine(checkNatsAuth);

function problems(env: Record<string, string>): string {
  try {
    loadConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  return '';
}

describe('NATS credentials from the environment', () => {
  it('takes a user and password, a creds file or a token, with TLS files', () => {
    const config = loadConfig(schema, {
      NATS_USER: 'gateway',
      NATS_PASSWORD: 'pw1',
      NATS_TLS_CA: '/ca.pem',
      NATS_TLS_CERT: '/c.pem',
      NATS_TLS_KEY: '/k.pem',
    });
    expect(natsAuthOf(config)).toEqual({
      user: 'gateway',
      password: 'pw1',
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
    });
    expect(natsAuthOf(loadConfig(schema, { NATS_CREDS: '/ops.creds' }))).toEqual({ credsFile: '/ops.creds' });
    expect(natsAuthOf(loadConfig(schema, {}))).toEqual({});
  });

  it('names the variable of an unusable combination', () => {
    expect(problems({ NATS_USER: 'gateway' })).toMatch(/^NATS_PASSWORD: required with the other one$/m);
    expect(problems({ NATS_USER: 'a', NATS_PASSWORD: 'b', NATS_TOKEN: 't' })).toMatch(
      /^NATS_USER: set only one of NATS_USER\/NATS_PASSWORD, NATS_TOKEN$/m,
    );
    expect(problems({ NATS_TLS_CERT: '/c.pem' })).toMatch(/^NATS_TLS_KEY: required with the other one$/m);
  });
});

describe('natsConnectOptions', () => {
  it('lists every server of a cluster, spreads and follows cluster updates, and uses the role’s inboxes', () => {
    const options = natsConnectOptions('nats://a:4222, nats://b:4222,nats://c:4222', 'x', {
      auth: { user: 'gateway', password: 'pw1' },
      role: 'gateway',
    });
    expect(options).toMatchObject({
      servers: ['nats://a:4222', 'nats://b:4222', 'nats://c:4222'],
      noRandomize: false,
      ignoreClusterUpdates: false,
      inboxPrefix: '_INBOX.gateway',
      user: 'gateway',
      pass: 'pw1',
    });
    expect(
      natsConnectOptions('nats://a:4222', 'x', { auth: { credsFile: '/x.creds' } }).authenticator,
    ).toBeDefined();
  });
});
