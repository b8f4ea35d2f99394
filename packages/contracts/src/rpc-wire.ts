import type { z } from 'zod';
import { AppError, ErrorCode } from './errors.js';
import type { RpcReply } from './common.schema.js';
import { rpcReplySchema } from './common.schema.js';

/**
 * The framing NestJS's NATS transport uses for request/reply, so plain NATS clients (gateway hot
 * path, CLI, tests) can call `@MessagePattern` handlers: request `{pattern, data, id}`, reply
 * `{id, response, isDisposed}` or `{id, err, status: 'error'}`. The `response` is our RpcReply.
 */
export interface NestRpcRequest {
  pattern: string;
  data: unknown;
  id: string;
}

export function encodeRpcRequest(subject: string, data: unknown, id: string): string {
  const packet: NestRpcRequest = { pattern: subject, data, id };
  return JSON.stringify(packet);
}

/**
 * Reply envelopes built once per data schema: building a zod schema (and its first parse, which
 * compiles it) costs ~15× a parse, and decoding sits on the gateway's cache-miss path.
 */
const replySchemas = new WeakMap<z.ZodType, z.ZodType>();

function replySchemaFor(dataSchema: z.ZodType): z.ZodType {
  let schema = replySchemas.get(dataSchema);
  if (schema === undefined) {
    schema = rpcReplySchema(dataSchema);
    replySchemas.set(dataSchema, schema);
  }
  return schema;
}

/**
 * Decodes a Nest reply packet and validates the RpcReply envelope and its data. Throws AppError:
 * the remote's own typed error, or `internal_error` when the reply is not what the contract says.
 */
export function decodeRpcReply<T extends z.ZodType>(raw: string, dataSchema: T): z.infer<T> {
  let packet: { response?: unknown; err?: unknown };
  try {
    packet = JSON.parse(raw) as { response?: unknown; err?: unknown };
  } catch {
    throw new AppError(ErrorCode.InternalError, 'Malformed RPC reply');
  }
  if (packet.err !== undefined && packet.err !== null) {
    throw new AppError(ErrorCode.InternalError, 'RPC handler failed');
  }
  const parsed = replySchemaFor(dataSchema).safeParse(packet.response);
  if (!parsed.success) throw new AppError(ErrorCode.InternalError, 'RPC reply did not match its contract');
  const reply = parsed.data as RpcReply<z.infer<T>>;
  if (!reply.ok) {
    throw new AppError(
      reply.error.code,
      reply.error.message,
      reply.error.details ? { details: reply.error.details } : {},
    );
  }
  return reply.data;
}
