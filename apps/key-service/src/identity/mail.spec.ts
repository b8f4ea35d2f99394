import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@plexmcp/service-kit';
import { LogMailTransport } from './mail.js';

describe('MAIL_TRANSPORT=log', () => {
  it('writes the link, with its recipient, in one log line', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const transport = new LogMailTransport(createLogger('key-service', 'info', 'json', out));
    const link = 'http://localhost:3000/dashboard/set-password#token=abc';
    await transport.send({ to: 'ada@example.com', subject: 'Reset your PlexMCP password', link });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ mail_to: 'ada@example.com', link });
  });
});
