import { describe, expect, it } from '@jest/globals';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './upstream-headers.js';

describe('upstreamRequestHeaders', () => {
  it('drops credentials and hop-by-hop headers, keeps MCP headers, adds the MCP\u2019s own', () => {
    const out = upstreamRequestHeaders(
      {
        authorization: 'Bearer pk_live_secret',
        cookie: 'a=b',
        host: 'gateway',
        connection: 'keep-alive, x-hop',
        'x-hop': '1',
        'transfer-encoding': 'chunked',
        'mcp-session-id': 's1',
        'mcp-protocol-version': '2025-06-18',
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
      },
      { 'X-Api-Key': 'upstream-secret' },
      'req_1',
    );
    expect(out).toEqual({
      'mcp-session-id': 's1',
      'mcp-protocol-version': '2025-06-18',
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'x-api-key': 'upstream-secret',
      'x-request-id': 'req_1',
    });
  });
});

describe('downstreamResponseHeaders', () => {
  it('passes the upstream\u2019s end-to-end headers and keeps the gateway\u2019s request id', () => {
    const out = downstreamResponseHeaders(
      {
        'content-type': 'text/event-stream',
        'mcp-session-id': 's1',
        connection: 'close',
        'x-request-id': 'up',
      },
      { 'x-request-id': 'req_2', 'x-content-type-options': 'nosniff' },
    );
    expect(out).toEqual({
      'content-type': 'text/event-stream',
      'mcp-session-id': 's1',
      'x-request-id': 'req_2',
      'x-content-type-options': 'nosniff',
    });
  });
});
