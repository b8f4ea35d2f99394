import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  type Actor,
  Subjects,
  type SuccessEnvelope,
  type UsageQuery,
  type UsageReply,
  apiKeyViewSchema,
  keyIdSchema,
  usageQuerySchema,
  usageReplySchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access } from '../auth/route-access.js';
import { pathId } from '../common/path-id.js';
import { ok } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/** Range used when `from` is not given: the last hour by minute, the last day by hour, 30 days by day. */
const DEFAULT_RANGE_MS: Readonly<Record<UsageQuery['granularity'], number>> = {
  minute: 3_600_000,
  hour: 86_400_000,
  day: 30 * 86_400_000,
};

/**
 * Usage of the organization or of one of its keys (root README "Usage, limits and alerts"), answered by the usage-service. The
 * organization's usage is live data (never for a test key); one key's usage follows the key's own
 * read rule, decided by the key-service when the key is looked up.
 */
@Controller('v1')
export class UsageController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get('usage')
  @Access({ scope: 'usage:read', live: true })
  async organization(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(usageQuerySchema)) query: UsageQuery,
  ): Promise<SuccessEnvelope<UsageReply>> {
    return ok(await this.query(actor, null, query));
  }

  @Get('keys/:id/usage')
  @Access({ scope: 'usage:read' })
  async key(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(usageQuerySchema)) query: UsageQuery,
  ): Promise<SuccessEnvelope<UsageReply>> {
    pathId(keyIdSchema, id);
    // A key of another organization (or none at all) is not found, never an empty answer.
    await this.runtime.rpc.call(Subjects.keys.get, { actor, id }, apiKeyViewSchema);
    return ok(await this.query(actor, id, query));
  }

  private query(actor: Actor, keyId: string | null, query: UsageQuery): Promise<UsageReply> {
    const to = query.to ?? new Date().toISOString();
    const from = query.from ?? new Date(Date.parse(to) - DEFAULT_RANGE_MS[query.granularity]).toISOString();
    return this.runtime.rpc.call(
      Subjects.usage.query,
      {
        actor,
        key_id: keyId,
        from,
        to,
        granularity: query.granularity,
        breakdown: query.breakdown,
        mcp_id: query.mcp_id ?? null,
      },
      usageReplySchema,
    );
  }
}
