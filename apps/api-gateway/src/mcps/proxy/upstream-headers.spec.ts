import type { OutgoingHttpHeader } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { AnswerHeaders } from '../../common/security-headers.js';
import { downstreamResponseHeaders, forwardedHeader, upstreamRequestHeaders } from './upstream-headers.js';

const FORWARDED = { clientIp: '203.0.113.7', proto: 'https', host: 'gw.example:8443' } as const;

/** undici's flat header list as an object; a name sent twice fails the test. */
function asObject(list: string[]): Record<string, string> {
  expect(list.length % 2).toBe(0);
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) {
    expect(out[list[i]!]).toBeUndefined();
    out[list[i]!] = list[i + 1]!;
  }
  return out;
}

describe('upstreamRequestHeaders', () => {
  it('drops credentials and hop-by-hop headers, keeps MCP headers, adds the MCP\u2019s own', () => {
    const out = asObject(
      upstreamRequestHeaders(
        {
          authorization: 'Bearer pk_live_secret',
          cookie: 'a=b',
          host: 'gateway',
          connection: 'keep-alive, x-hop',
          'x-hop': '1',
          'transfer-encoding': 'chunked',
          expect: '100-continue',
          'mcp-session-id': 's1.key_x.abc.def',
          'mcp-protocol-version': '2025-06-18',
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
        },
        { 'X-Api-Key': 'upstream-secret' },
        { requestId: 'req_1', forwarded: FORWARDED, sessionId: 'upstream-session' },
      ),
    );
    expect(out).toEqual({
      'mcp-session-id': 'upstream-session',
      'mcp-protocol-version': '2025-06-18',
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'x-api-key': 'upstream-secret',
      'x-request-id': 'req_1',
      forwarded: 'for=203.0.113.7;host="gw.example:8443";proto=https',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'gw.example:8443',
    });
  });

  it('replaces every address claim of the client with the gateway\u2019s own', () => {
    const out = asObject(
      upstreamRequestHeaders(
        {
          'x-forwarded-for': '6.6.6.6',
          'x-forwarded-proto': 'gopher',
          'x-forwarded-host': 'evil.example',
          'x-forwarded-port': '1',
          forwarded: 'for=6.6.6.6',
          'x-real-ip': '6.6.6.6',
          'true-client-ip': '6.6.6.6',
          'mcp-session-id': 'client-supplied',
        },
        {},
        { requestId: 'req_2', forwarded: { clientIp: null, proto: 'http', host: undefined } },
      ),
    );
    expect(out).toEqual({
      'x-request-id': 'req_2',
      forwarded: 'for=unknown;proto=http',
      'x-forwarded-proto': 'http',
    });
  });
});

describe('upstreamRequestHeaders: one value per name', () => {
  it('the MCP\u2019s configured value, the gateway\u2019s span and its encoding replace the client\u2019s', () => {
    const list = upstreamRequestHeaders(
      {
        'x-api-key': 'from-client',
        traceparent: '00-11111111111111111111111111111111-1111111111111111-01',
        'accept-encoding': 'gzip',
        accept: 'application/json',
      },
      { 'X-Api-Key': 'configured' },
      {
        requestId: 'req_3',
        forwarded: FORWARDED,
        trace: { traceparent: '00-22222222222222222222222222222222-2222222222222222-01' },
        identityEncoding: true,
      },
    );
    expect(asObject(list)).toMatchObject({
      'x-api-key': 'configured',
      traceparent: '00-22222222222222222222222222222222-2222222222222222-01',
      'accept-encoding': 'identity',
      accept: 'application/json',
    });
  });

  it('a client header sent several times goes up as several lines', () => {
    const list = upstreamRequestHeaders(
      { 'x-tag': ['a', 'b'] },
      {},
      { requestId: 'req_4', forwarded: FORWARDED },
    );
    expect(list.slice(0, 4)).toEqual(['x-tag', 'a', 'x-tag', 'b']);
  });
});

describe('forwardedHeader', () => {
  it('brackets and quotes IPv6, quotes a host that is not a token', () => {
    expect(forwardedHeader({ clientIp: '2001:db8::1', proto: 'http', host: 'a"b' })).toBe(
      'for="[2001:db8::1]";host="a\\"b";proto=http',
    );
    expect(forwardedHeader({ clientIp: '192.0.2.1', proto: 'https', host: 'gw' })).toBe(
      'for=192.0.2.1;host=gw;proto=https',
    );
  });

  it('builds a new value whenever any part differs from the last one (the last value is reused)', () => {
    const seen = [
      { clientIp: '192.0.2.1', proto: 'https', host: 'gw:8443' },
      { clientIp: '192.0.2.1', proto: 'https', host: 'gw:8443' },
      { clientIp: '192.0.2.2', proto: 'https', host: 'gw:8443' },
      { clientIp: '192.0.2.2', proto: 'http', host: 'gw:8443' },
      { clientIp: '192.0.2.2', proto: 'http', host: undefined },
      { clientIp: null, proto: 'http', host: undefined },
      { clientIp: '192.0.2.1', proto: 'https', host: 'gw:8443' },
    ] as const;
    expect(seen.map((forwarded) => forwardedHeader(forwarded))).toEqual([
      'for=192.0.2.1;host="gw:8443";proto=https',
      'for=192.0.2.1;host="gw:8443";proto=https',
      'for=192.0.2.2;host="gw:8443";proto=https',
      'for=192.0.2.2;host="gw:8443";proto=http',
      'for=192.0.2.2;proto=http',
      'for=unknown;proto=http',
      'for=192.0.2.1;host="gw:8443";proto=https',
    ]);
  });
});

describe('downstreamResponseHeaders', () => {
  const wrap = (id: string) => `wrapped(${id})`;
  const answer = new AnswerHeaders({
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
    'x-frame-options': 'SAMEORIGIN',
    'strict-transport-security': 'max-age=31536000',
  });
  /** A flat head as name → value, failing on a name sent twice. */
  const asObject = (head: OutgoingHttpHeader[]): Record<string, OutgoingHttpHeader> => {
    const out: Record<string, OutgoingHttpHeader> = {};
    for (let i = 0; i < head.length; i += 2) {
      const name = head[i] as string;
      expect([name, out[name]]).toEqual([name, undefined]);
      out[name] = head[i + 1]!;
    }
    return out;
  };

  it('passes the upstream\u2019s end-to-end headers, wraps its session id, keeps the gateway\u2019s request id', () => {
    const out = downstreamResponseHeaders(
      {
        'content-type': 'text/event-stream',
        'mcp-session-id': 's1',
        connection: 'close',
        'x-request-id': 'up',
      },
      answer.head('req_2'),
      answer.names,
      {},
      wrap,
    );
    expect(asObject(out)).toEqual({
      'content-type': 'text/event-stream',
      'mcp-session-id': 'wrapped(s1)',
      'x-request-id': 'req_2',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000',
    });
  });

  it('never lets the upstream override the gateway\u2019s headers, set cookies or redirect the origin', () => {
    const head = answer.head('req_3');
    head.push('ratelimit-remaining', '4');
    const out = downstreamResponseHeaders(
      {
        'content-type': 'application/json',
        'x-content-type-options': 'sniff-away',
        'content-security-policy': "default-src *; script-src 'unsafe-inline'",
        'x-frame-options': 'ALLOWALL',
        'strict-transport-security': 'max-age=0',
        'x-request-id': 'up',
        'ratelimit-remaining': '999999',
        'set-cookie': ['plexmcp_session=stolen; Path=/', 'other=1'],
        'alt-svc': 'h2="evil.example:443"',
        'clear-site-data': '"cookies"',
      },
      head,
      answer.names,
      { 'ratelimit-remaining': '4' },
      wrap,
    );
    expect(asObject(out)).toEqual({
      'content-type': 'application/json',
      'x-request-id': 'req_3',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000',
      'ratelimit-remaining': '4',
    });
  });
});
