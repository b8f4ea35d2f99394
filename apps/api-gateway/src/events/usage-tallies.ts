import { HISTOGRAM_BUCKETS, type KeyPolicy, type RequestTally, bucketIndex } from '@plexmcp/contracts';

const MINUTE_MS = 60_000;

/** A tally being counted: the wire shape's counters plus the times as numbers. */
interface OpenTally {
  policy: KeyPolicy;
  minute: number;
  mcpId: string | null;
  route: string;
  clientIp: string | null;
  errorCode: RequestTally['error_code'];
  /** The called tool (`tools/call` on the MCP endpoint), or null. */
  tool: string | null;
  firstAt: number;
  lastAt: number;
  requests: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  latencySum: number;
  hist: number[];
}

/**
 * The requests of one reporting interval folded per (key, minute, MCP, route, client address,
 * gateway error code, called tool): one counter update per request instead of one serialized event. `take()`
 * hands the tallies over and starts the next interval. Holds no key material (key ids only).
 */
export class UsageTallies {
  private open = new Map<string, OpenTally>();
  /** The tally each key counted into last: a key's next request nearly always belongs to it too. */
  private lastOfKey = new Map<string, OpenTally>();
  /** Requests counted since the last take(). */
  requests = 0;

  get size(): number {
    return this.open.size;
  }

  add(
    policy: KeyPolicy,
    mcpId: string | null,
    route: string,
    status: number,
    latencyMs: number,
    clientIp: string | null,
    at: number,
    errorCode: RequestTally['error_code'],
    tool: string | null,
    /** False: only an already open tally may count the request (the caller's memory bound). */
    mayOpen: boolean,
  ): boolean {
    const minute = Math.floor(at / MINUTE_MS);
    let t = this.lastOfKey.get(policy.key_id);
    if (
      t === undefined ||
      t.minute !== minute ||
      t.route !== route ||
      t.mcpId !== mcpId ||
      t.clientIp !== clientIp ||
      t.errorCode !== errorCode ||
      t.tool !== tool
    ) {
      t = this.find(policy, minute, mcpId, route, clientIp, at, errorCode, tool, mayOpen);
      if (t === undefined) return false;
      this.lastOfKey.set(policy.key_id, t);
    }
    // The newest request's settings (limits, expiry) win, as they would for single events.
    if (at >= t.lastAt) {
      t.lastAt = at;
      t.policy = policy;
    }
    if (at < t.firstAt) t.firstAt = at;
    t.requests += 1;
    const statusClass = (status / 100) | 0;
    if (statusClass === 2) t.s2xx += 1;
    else if (statusClass === 4) t.s4xx += 1;
    else if (statusClass === 5) t.s5xx += 1;
    else if (statusClass === 3) t.s3xx += 1;
    t.latencySum += latencyMs;
    t.hist[bucketIndex(latencyMs)]! += 1;
    this.requests += 1;
    return true;
  }

  /** The open tally of these attributes, opened if `mayOpen` (else undefined). */
  private find(
    policy: KeyPolicy,
    minute: number,
    mcpId: string | null,
    route: string,
    clientIp: string | null,
    at: number,
    errorCode: RequestTally['error_code'],
    tool: string | null,
    mayOpen: boolean,
  ): OpenTally | undefined {
    // The tool goes last and JSON-quoted: a tool name may hold spaces, and null stays apart from "".
    const id = `${policy.key_id} ${minute} ${mcpId} ${route} ${clientIp} ${errorCode} ${JSON.stringify(tool)}`;
    let t = this.open.get(id);
    if (t === undefined) {
      if (!mayOpen) return undefined;
      t = {
        policy,
        minute,
        mcpId,
        route,
        clientIp,
        errorCode,
        tool,
        firstAt: at,
        lastAt: at,
        requests: 0,
        s2xx: 0,
        s3xx: 0,
        s4xx: 0,
        s5xx: 0,
        latencySum: 0,
        hist: new Array<number>(HISTOGRAM_BUCKETS).fill(0),
      };
      this.open.set(id, t);
    }
    return t;
  }

  /** The interval's tallies in their wire shape (each with its request count); empties the set. */
  take(): { tally: RequestTally; requests: number }[] {
    const out: { tally: RequestTally; requests: number }[] = [];
    for (const t of this.open.values()) {
      const policy = t.policy;
      out.push({
        requests: t.requests,
        tally: {
          key_id: policy.key_id,
          org_id: policy.org_id,
          mcp_id: t.mcpId,
          mode: policy.mode,
          route: t.route,
          client_ip: t.clientIp,
          usage_limit: policy.usage_limit,
          org_monthly_limit: policy.org_monthly_limit,
          expires_at: policy.expires_at,
          error_code: t.errorCode,
          ...(t.tool === null ? {} : { tool: t.tool }),
          first_at: new Date(t.firstAt).toISOString(),
          last_at: new Date(t.lastAt).toISOString(),
          requests: t.requests,
          s2xx: t.s2xx,
          s3xx: t.s3xx,
          s4xx: t.s4xx,
          s5xx: t.s5xx,
          latency_ms_sum: Math.round(t.latencySum * 1000) / 1000,
          latency_histogram: t.hist,
        },
      });
    }
    this.open = new Map();
    this.lastOfKey = new Map();
    this.requests = 0;
    return out;
  }
}
