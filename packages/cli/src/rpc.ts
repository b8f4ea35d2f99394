import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Page, decodeRpcReply, encodeRpcRequest, randomBase62 } from '@plexmcp/contracts';
import { natsConnectOptions } from '@plexmcp/service-kit/nats';
import type { z } from 'zod';
import { UnavailableError } from './errors.js';
import type { CliNatsSettings } from './nats-credentials.js';
const CONNECT_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** Calls internal RPC subjects (key-service, usage-service) over NATS, with the framing from contracts. */
export class RpcCaller {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly url: string,
  ) {}

  /** Connects once, without retrying: a CLI reports an unreachable broker instead of waiting. */
  static async connect({ url, auth }: CliNatsSettings): Promise<RpcCaller> {
    try {
      const nc = await connect({
        ...natsConnectOptions(url, 'plexmcp-cli', { auth, role: 'ops' }),
        timeout: CONNECT_TIMEOUT_MS,
        maxReconnectAttempts: 0,
        reconnect: false,
      });
      return new RpcCaller(nc, url);
    } catch (err) {
      const text = describe(err);
      if (/authoriz|authentic/i.test(text)) {
        throw new UnavailableError(
          `NATS at ${url} refused this client (${text}): set NATS_USER and NATS_PASSWORD (or NATS_CREDS) ` +
            'of the ops user; against a `pnpm start` stack, run it from the checkout or set PLEXMCP_DATA_DIR.',
        );
      }
      throw new UnavailableError(
        `cannot reach NATS at ${url} (${text}); is it running? Set NATS_URL to point elsewhere.`,
      );
    }
  }

  /** `service` names who serves `subject`, for the messages when nobody answers. */
  async call<T extends z.ZodType>(
    subject: string,
    payload: unknown,
    replySchema: T,
    service = 'key-service',
  ): Promise<z.infer<T>> {
    let raw: string;
    try {
      const msg = await this.nc.request(subject, encodeRpcRequest(subject, payload, randomBase62(16)), {
        timeout: REQUEST_TIMEOUT_MS,
      });
      raw = msg.string();
    } catch (err) {
      const text = describe(err);
      if (/permission/i.test(text)) {
        throw new UnavailableError(`this NATS user may not request ${subject} (${text}); use the ops user`);
      }
      if (/no responders|503/i.test(text)) {
        throw new UnavailableError(
          `the ${service} is not running: nothing answers ${subject} on ${this.url}`,
        );
      }
      if (/timeout/i.test(text)) {
        throw new UnavailableError(
          `the ${service} did not answer ${subject} within ${REQUEST_TIMEOUT_MS / 1000} s`,
        );
      }
      throw new UnavailableError(`request ${subject} failed: ${text}`);
    }
    return decodeRpcReply(raw, replySchema);
  }

  async close(): Promise<void> {
    await this.nc.close().catch(() => undefined);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} [${code}]` : err.message;
  }
  return String(err);
}

/** Every item of a paged list, page after page: `fetchPage` gets the page to ask for. */
export async function allPages<T>(
  fetchPage: (page: { limit: number; cursor?: string }) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage({ limit: 100, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}
