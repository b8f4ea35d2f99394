import { mcpInitializeRequest } from '@plexmcp/service-kit/testing';

/** One request a chaos client made, as the client saw it. */
export interface Sample {
  /** Which traffic stream: the counted key's calls, the key being revoked, or the 1-per-second key. */
  stream: 'counted' | 'victim' | 'limited';
  kind: 'rest' | 'mcp';
  /** Index of the gateway that answered (after a retry, the other one). */
  gateway: number;
  startedAt: number;
  endedAt: number;
  /** HTTP status, or 0 when no gateway answered at all (both attempts failed to connect). */
  status: number;
  /** Whether the first gateway tried could not be reached and the client went to the other. */
  retried: boolean;
}

export interface Target {
  /** Base URLs of the gateways. */
  gateways: readonly string[];
  key: string;
  mcpId: string;
}

const MCP_INITIALIZE = JSON.stringify(mcpInitializeRequest('plexmcp-chaos'));

/** One REST (`GET /v1/me`) or MCP (`initialize` through the proxy) call to one gateway; throws when it cannot connect. */
async function send(base: string, target: Target, kind: 'rest' | 'mcp'): Promise<number> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.key}` };
  const res =
    kind === 'rest'
      ? await fetch(`${base}/v1/me`, { headers, signal: AbortSignal.timeout(30_000) })
      : await fetch(`${base}/v1/mcps/${target.mcpId}/mcp`, {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: MCP_INITIALIZE,
          signal: AbortSignal.timeout(30_000),
        });
  await res.arrayBuffer();
  return res.status;
}

/**
 * A client that calls one gateway and, when it cannot connect (the gateway was killed), the other
 * — as a client behind a load balancer would see it. Answers are never retried: a 5xx is recorded.
 */
export async function call(
  target: Target,
  first: number,
  kind: 'rest' | 'mcp',
  stream: Sample['stream'],
): Promise<Sample> {
  const startedAt = Date.now();
  const order = [first, (first + 1) % target.gateways.length];
  for (const [attempt, gateway] of order.entries()) {
    try {
      const status = await send(target.gateways[gateway]!, target, kind);
      return { stream, kind, gateway, startedAt, endedAt: Date.now(), status, retried: attempt > 0 };
    } catch {
      // could not connect (or the connection broke): try the other gateway
    }
  }
  return { stream, kind, gateway: first, startedAt, endedAt: Date.now(), status: 0, retried: true };
}

/**
 * `workers` loops calling through both gateways in turn, alternating REST and MCP calls, each
 * pausing `pauseMs` between calls, until `until()` is true.
 */
export async function driveTraffic(
  target: Target,
  stream: Sample['stream'],
  { workers, pauseMs, until }: { workers: number; pauseMs: number; until: () => boolean },
  samples: Sample[],
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = worker; !until(); i++) {
        samples.push(await call(target, i % target.gateways.length, i % 3 === 0 ? 'mcp' : 'rest', stream));
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }),
  );
}
