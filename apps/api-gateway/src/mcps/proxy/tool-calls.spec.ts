import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import {
  FilteredMessageTooLargeError,
  JsonToolListFilter,
  MAX_FILTERED_MESSAGE_BYTES,
  SseToolListFilter,
  checkToolCalls,
  sniffTool,
} from './tool-calls.js';

const ALLOWED = ['search'];
const permits = (tool: string) => ALLOWED.includes(tool);
const toolsResult = (id: number, names: string[]) => ({
  jsonrpc: '2.0',
  id,
  result: { tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })) },
});

async function through(filter: NodeJS.ReadWriteStream, chunks: string[]): Promise<string> {
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(chunks.map((c) => Buffer.from(c)))
      .pipe(filter)
      .on('data', (c: Buffer) => out.push(c))
      .on('end', resolve)
      .on('error', reject);
  });
  return Buffer.concat(out).toString('utf8');
}

describe('checkToolCalls', () => {
  const call = (id: number | undefined, name: string) => ({
    jsonrpc: '2.0',
    ...(id === undefined ? {} : { id }),
    method: 'tools/call',
    params: { name },
  });
  const body = (v: unknown) => Buffer.from(JSON.stringify(v));

  it('forwards permitted calls and other methods, naming the tool', () => {
    expect(checkToolCalls(body(call(1, 'search')), permits)).toEqual({ forward: true, tool: 'search' });
    expect(checkToolCalls(body({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), permits)).toEqual({
      forward: true,
      tool: null,
    });
  });

  it('answers a refused call, a batch holding one, and a call without a name, here', () => {
    const one = checkToolCalls(body(call(3, 'delete')), permits);
    expect(one).toMatchObject({ forward: false, tool: 'delete' });
    expect(JSON.parse((one as { body: string }).body)).toMatchObject({ id: 3, error: { code: -32602 } });
    const batch = checkToolCalls(
      body([call(1, 'search'), call(2, 'delete'), call(undefined, 'delete')]),
      permits,
    );
    expect(JSON.parse((batch as { body: string }).body)).toHaveLength(2);
    expect(
      checkToolCalls(body({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }), permits),
    ).toMatchObject({
      forward: false,
      tool: '',
    });
    expect(checkToolCalls(body(call(undefined, 'delete')), permits)).toEqual({
      forward: false,
      body: null,
      tool: 'delete',
    });
  });

  it('sniffs the tool of small bodies only', () => {
    expect(sniffTool(body(call(1, 'anything')))).toBe('anything');
    expect(sniffTool(Buffer.from('not json'))).toBeNull();
    // JSON may escape the method's characters: still found (the quick check only skips bodies
    // with neither "tools/call" nor any backslash).
    expect(
      sniffTool(
        Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools\\/c\\u0061ll","params":{"name":"esc"}}'),
      ),
    ).toBe('esc');
    expect(sniffTool(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}'))).toBeNull();
    expect(sniffTool(Buffer.alloc(70 * 1024, 0x20))).toBeNull();
  });
});

describe('tool-list filters', () => {
  it('filters a JSON body, a batch in it, and passes other bodies byte for byte', async () => {
    const filtered = JSON.parse(
      await through(new JsonToolListFilter(ALLOWED), [
        JSON.stringify([toolsResult(1, ['search', 'delete'])]),
      ]),
    ) as Array<{ result: { tools: Array<{ name: string }> } }>;
    expect(filtered[0]!.result.tools.map((t) => t.name)).toEqual(['search']);
    const other = '{"jsonrpc":"2.0","id":1,"result":{"content":[]}}  ';
    expect(await through(new JsonToolListFilter(ALLOWED), [other])).toBe(other);
  });

  it('filters SSE events split anywhere across chunks, CRLF included, keeping ids and other events', async () => {
    const event = `id: 42\r\nevent: message\r\ndata: ${JSON.stringify(toolsResult(2, ['delete', 'search']))}\r\n\r\n`;
    const ping = ': keep-alive\n\n';
    const text = ping + event + 'data: {"jsonrpc":"2.0","method":"notifications/x"}\n\n';
    for (let cut = 1; cut < text.length; cut += 7) {
      const out = await through(new SseToolListFilter(ALLOWED), [text.slice(0, cut), text.slice(cut)]);
      expect(out).toContain(ping);
      expect(out).toContain('id: 42\nevent: message\ndata: ');
      expect(out).not.toContain('delete');
      expect(out).toContain('"search"');
      expect(out).toContain('notifications/x');
    }
  });

  it('refuses to hold an event larger than the bound', async () => {
    const huge = 'data: ' + 'x'.repeat(MAX_FILTERED_MESSAGE_BYTES + 1);
    await expect(through(new SseToolListFilter(ALLOWED), [huge])).rejects.toBeInstanceOf(
      FilteredMessageTooLargeError,
    );
  });
});
