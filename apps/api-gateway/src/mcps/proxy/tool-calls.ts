import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { TOOL_NOT_PERMITTED_MESSAGE } from '@plexmcp/contracts';

/**
 * The JSON-RPC side of per-tool permissions on the MCP endpoint. The gateway reads MCP messages
 * only where it must: a request body is parsed in full only for a key with a tool list for the
 * MCP (to refuse a `tools/call` outside it), and its responses — JSON or SSE, event by event — are
 * rewritten only then (to drop unlisted tools from `tools/list` results). For every other key the
 * body streams through untouched and only its first bytes are kept to name the tool in usage.
 */

/** JSON-RPC "Invalid params": what an MCP server answers for a tool it does not have. */
export const TOOL_REFUSED_CODE = -32602;
export const TOOL_REFUSED_MESSAGE = TOOL_NOT_PERMITTED_MESSAGE;
const PARSE_ERROR_CODE = -32700;
const BATCH_REFUSED_MESSAGE = 'Batch refused: it holds a tools/call this API key may not make';

/** Largest response message (a JSON body, or one SSE event) the gateway parses to filter it. */
export const MAX_FILTERED_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Bodies up to this size name their tool in usage for keys without tool lists. */
export const TOOL_SNIFF_BYTES = 64 * 1024;
const TOOLS_CALL = 'tools/call';
const BACKSLASH = 0x5c;

type JsonRpcId = string | number | null;
interface JsonRpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The tool a `tools/call` message names: its `params.name` (`''` when it names none). */
function calledTool(message: unknown): string | null {
  if (!isObject(message) || message.method !== 'tools/call') return null;
  const params = message.params;
  return isObject(params) && typeof params.name === 'string' ? params.name : '';
}

function requestId(message: unknown): JsonRpcId | undefined {
  if (!isObject(message) || !('id' in message)) return undefined;
  const id = message.id;
  return typeof id === 'string' || typeof id === 'number' || id === null ? id : null;
}

function errorMessage(id: JsonRpcId, code: number, message: string): object {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/** What to do with a request body of a key with a tool list for the MCP. */
export type ToolCallVerdict =
  /** Forward it; `tool` names the tool it calls (single `tools/call`), for usage. */
  | { forward: true; tool: string | null }
  /**
   * Answer it here, never upstream: `body` holds the JSON-RPC errors (null when every refused
   * message was a notification, which gets no answer); `tool` the refused tool, for usage.
   */
  | { forward: false; body: string | null; tool: string | null };

/**
 * Checks every `tools/call` of a request body (one message or a batch) against `allowed`. A batch
 * with one refused call is refused whole — each request in it answered with an error — since the
 * gateway cannot merge its own answers into the upstream's. A body that is not JSON is answered
 * with a parse error here: what the gateway cannot read, it does not pass.
 */
export function checkToolCalls(body: Buffer, permits: (tool: string) => boolean): ToolCallVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return {
      forward: false,
      body: JSON.stringify(errorMessage(null, PARSE_ERROR_CODE, 'Parse error')),
      tool: null,
    };
  }
  const messages: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const refused = new Set<string>();
  for (const message of messages) {
    const tool = calledTool(message);
    if (tool !== null && !refused.has(tool) && !permits(tool)) refused.add(tool);
  }
  const refusedTool = refused.values().next().value ?? null;
  const single = Array.isArray(parsed) ? null : calledTool(parsed);
  if (refusedTool === null) return { forward: true, tool: single };

  const answers: object[] = [];
  for (const message of messages) {
    const id = requestId(message);
    if (id === undefined) continue; // a notification: no answer
    const tool = calledTool(message);
    const own = tool !== null && refused.has(tool);
    answers.push(errorMessage(id, TOOL_REFUSED_CODE, own ? TOOL_REFUSED_MESSAGE : BATCH_REFUSED_MESSAGE));
  }
  const body2 = answers.length === 0 ? null : JSON.stringify(Array.isArray(parsed) ? answers : answers[0]);
  return { forward: false, body: body2, tool: Array.isArray(parsed) ? refusedTool : single };
}

/** The tool a body calls, for usage: parsed only when it is small, never to decide anything. */
export function sniffTool(body: Buffer): string | null {
  if (body.length === 0 || body.length > TOOL_SNIFF_BYTES) return null;
  // No `tools/call` in the bytes, and no escape that could spell one: nothing to parse (most
  // requests — initialize, ping, tools/list, notifications — end here).
  if (body.indexOf(TOOLS_CALL) === -1 && body.indexOf(BACKSLASH) === -1) return null;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return Array.isArray(parsed) ? null : calledTool(parsed);
  } catch {
    return null;
  }
}

/** A JSON-RPC message (or batch) with unlisted tools dropped from any `tools/list` result. */
function filterMessage(message: unknown, allowed: readonly string[]): { value: unknown; changed: boolean } {
  if (Array.isArray(message)) {
    let changed = false;
    const value = message.map((m) => {
      const r = filterMessage(m, allowed);
      changed ||= r.changed;
      return r.value;
    });
    return { value, changed };
  }
  if (!isObject(message)) return { value: message, changed: false };
  const result = (message as JsonRpcMessage).result;
  if (!isObject(result) || !Array.isArray(result.tools)) return { value: message, changed: false };
  const tools = result.tools.filter(
    (tool) => isObject(tool) && typeof tool.name === 'string' && allowed.includes(tool.name),
  );
  if (tools.length === result.tools.length) return { value: message, changed: false };
  return { value: { ...message, result: { ...result, tools } }, changed: true };
}

/**
 * Any response carrying a `result.tools` list is filtered, whatever request it answers: a stream
 * resumed with GET (`Last-Event-ID`) may replay a `tools/list` answer the gateway never saw asked.
 */
function filterJsonText(text: string, allowed: readonly string[]): string | null {
  if (!text.includes('"tools"')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const { value, changed } = filterMessage(parsed, allowed);
  return changed ? JSON.stringify(value) : null;
}

export class FilteredMessageTooLargeError extends Error {
  constructor() {
    super('upstream MCP message too large to filter');
  }
}

/** A whole JSON response body, filtered once it has ended (bounded by MAX_FILTERED_MESSAGE_BYTES). */
export class JsonToolListFilter extends Transform {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly allowed: readonly string[]) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > MAX_FILTERED_MESSAGE_BYTES) return callback(new FilteredMessageTooLargeError());
    this.chunks.push(chunk);
    callback();
  }
  override _flush(callback: TransformCallback): void {
    const body = Buffer.concat(this.chunks);
    const filtered = filterJsonText(body.toString('utf8'), this.allowed);
    callback(null, filtered === null ? body : Buffer.from(filtered, 'utf8'));
  }
}

const EVENT_END = /\r\n\r\n|\n\n|\r\r/;
const LINE_END = /\r\n|\n|\r/;

/**
 * An SSE response, filtered event by event as it streams: each complete event's `data` is parsed
 * and, when it carries tools, written again as one `data:` line; every other event passes as it
 * came. Only one event at a time is held (bounded by MAX_FILTERED_MESSAGE_BYTES).
 */
export class SseToolListFilter extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  constructor(private readonly allowed: readonly string[]) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.pending += this.decoder.write(chunk);
    let out = '';
    for (;;) {
      const match = EVENT_END.exec(this.pending);
      if (match === null) break;
      const end = match.index + match[0].length;
      out += this.event(this.pending.slice(0, match.index), match[0]);
      this.pending = this.pending.slice(end);
    }
    if (Buffer.byteLength(this.pending) > MAX_FILTERED_MESSAGE_BYTES)
      return callback(new FilteredMessageTooLargeError());
    callback(null, out.length > 0 ? out : undefined);
  }
  override _flush(callback: TransformCallback): void {
    this.pending += this.decoder.end();
    // An unterminated last event is never dispatched by a client: pass it only if harmless.
    const rest = this.pending.length > 0 ? this.event(this.pending, '') : '';
    callback(null, rest.length > 0 ? rest : undefined);
  }

  /** One event (without its terminating blank line), written back filtered or as it was. */
  private event(raw: string, terminator: string): string {
    const lines = raw.split(LINE_END);
    const data: string[] = [];
    for (const line of lines) {
      if (line === 'data' || line.startsWith('data:')) {
        const value = line.slice(5);
        data.push(value.startsWith(' ') ? value.slice(1) : value);
      }
    }
    if (data.length === 0) return raw + terminator;
    const filtered = filterJsonText(data.join('\n'), this.allowed);
    if (filtered === null) return raw + terminator;
    const kept = lines.filter((line) => !(line === 'data' || line.startsWith('data:')));
    return [...kept, `data: ${filtered}`].join('\n') + (terminator === '' ? '' : '\n\n');
  }
}
