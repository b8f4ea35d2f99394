import {
  AppError,
  ErrorCode,
  type KeyPolicy,
  type LimitBlock,
  Subjects,
  limitBlocksReplySchema,
  usageEventSchema,
} from '@plexmcp/contracts';
import {
  type JsonSubscription,
  type NatsConnection,
  type NatsRpcClient,
  subscribeJson,
} from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

export interface UsageLimitsOptions {
  timeoutMs: number;
  retryMs: number;
}

/**
 * The gateway side of usage limits: the usage-service announces blocks on `usage.events.*`; this
 * keeps the current ones (loaded via `usage.blocks` at start and after every reconnect, retried
 * while the usage-service is absent — meanwhile no org is blocked) and answers per MCP request
 * (limits meter MCP traffic only; management routes are never blocked, so a leaked key can always
 * be revoked). A block holds only while the key's current policy has a limit at least as strict
 * as the one reached: raising or removing the limit evicts the cached policy, and the very next
 * request passes. Test keys are never blocked by their organization's limit, only by their own.
 */
export class UsageLimitsService {
  private readonly orgBlocks = new Map<string, LimitBlock>();
  private readonly keyBlocks = new Map<string, LimitBlock>();
  private retryTimer: NodeJS.Timeout | undefined;
  private subscription: JsonSubscription | undefined;
  private closed = false;
  private loaded = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly rpc: NatsRpcClient,
    private readonly options: UsageLimitsOptions,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** True once a snapshot of blocks has been loaded from the usage-service. */
  get snapshotLoaded(): boolean {
    return this.loaded;
  }

  start(): void {
    this.subscription = subscribeJson(this.nc, {
      subject: Subjects.usageEvents.wildcard,
      schema: usageEventSchema,
      logger: this.logger,
      handle: (event) => {
        if (event.type === 'usage.limit_reached') this.add(event.block);
        else this.remove(event.block);
      },
    });
    void this.reload();
  }

  /** Loads the current blocks; on failure keeps what it has and retries later. */
  async reload(): Promise<void> {
    clearTimeout(this.retryTimer);
    try {
      const reply = await this.rpc.call(Subjects.usage.blocks, {}, limitBlocksReplySchema, {
        timeoutMs: this.options.timeoutMs,
      });
      this.orgBlocks.clear();
      this.keyBlocks.clear();
      for (const block of reply.blocks) this.add(block);
      this.loaded = true;
    } catch (err) {
      if (this.closed) return;
      this.logger.warn({ err: String(err) }, 'could not load usage-limit blocks; retrying');
      this.retryTimer = setTimeout(() => void this.reload(), this.options.retryMs);
      this.retryTimer.unref();
    }
  }

  /** The block that applies to this key now, if any. */
  blockFor(policy: KeyPolicy, now: number): LimitBlock | null {
    if (this.keyBlocks.size > 0) {
      const block = this.active(this.keyBlocks, policy.key_id, now);
      const limit = policy.usage_limit;
      if (block && limit !== null && (block.period === undefined || block.period === limit.period)) {
        if (block.limit === undefined || limit.requests <= block.limit) return block;
      }
    }
    if (this.orgBlocks.size > 0 && policy.mode === 'live' && policy.org_monthly_limit !== null) {
      const block = this.active(this.orgBlocks, policy.org_id, now);
      if (block && (block.limit === undefined || policy.org_monthly_limit <= block.limit)) return block;
    }
    return null;
  }

  /** The 429 `usage_limit_exceeded` for a blocked key, with `Retry-After` until the reset; else null. */
  refusal(policy: KeyPolicy, now: number): AppError | null {
    const block = this.blockFor(policy, now);
    if (block === null) return null;
    const retryAfter = String(Math.max(1, Math.ceil((Date.parse(block.reset_at) - now) / 1000)));
    return new AppError(ErrorCode.UsageLimitExceeded, undefined, {
      headers: { 'retry-after': retryAfter, 'ratelimit-reset': retryAfter },
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.subscription?.close();
  }

  private active(map: Map<string, LimitBlock>, id: string, now: number): LimitBlock | null {
    const block = map.get(id);
    if (block === undefined) return null;
    if (Date.parse(block.reset_at) <= now) {
      map.delete(id);
      this.updateGauge();
      return null;
    }
    return block;
  }

  private add(block: LimitBlock): void {
    if (block.scope === 'key') {
      if (block.key_id !== null) this.keyBlocks.set(block.key_id, block);
    } else {
      this.orgBlocks.set(block.org_id, block);
    }
    this.updateGauge();
  }

  private remove(block: LimitBlock): void {
    if (block.scope === 'key') {
      if (block.key_id !== null) this.keyBlocks.delete(block.key_id);
    } else {
      this.orgBlocks.delete(block.org_id);
    }
    this.updateGauge();
  }

  private updateGauge(): void {
    this.metrics.usageBlocks.set(this.orgBlocks.size + this.keyBlocks.size);
  }
}
