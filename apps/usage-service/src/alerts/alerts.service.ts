import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@plexmcp/service-kit';
import {
  type AckAlertRequest,
  AppError,
  type AlertType,
  type AlertView,
  ErrorCode,
  IdPrefix,
  type KeyLeakedAlertsRequest,
  type ListAlertsRequest,
  type Page,
  newId,
} from '@plexmcp/contracts';
import type { Logger } from 'pino';
import type { UsageServiceConfig } from '../config.js';
import { decodeCursor, rowPosition, toPage } from '@plexmcp/service-kit';
import { type SqlExecutor, TransactionRunner } from '@plexmcp/service-kit';
import { METRICS } from '../tokens.js';
import type { UsageMetrics } from '../usage-metrics.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { type AlertRow, AlertsRepository } from './alerts.repository.js';

export interface AlertCandidate {
  orgId: string;
  keyId: string;
  type: AlertType;
  /** Distinguishes alerts of one type that may coexist (the country of new_location). */
  subject: string;
  message: string;
  details: Record<string, unknown>;
  /** End of the cool-down; default now + ALERT_COOLDOWN_MS. */
  cooldownUntil?: Date;
}

@Injectable()
export class AlertsService {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly webhooks: WebhooksService,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: UsageMetrics,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * `key_leaked` for each key a secret scanner reported, with the URL where it was found; its
   * webhooks fire like any alert's. One alert per key and URL per cool-down, so a scanner
   * re-sending its report raises nothing twice.
   */
  async raiseLeaked(request: KeyLeakedAlertsRequest): Promise<{ raised: number }> {
    let raised = 0;
    await this.transactions.run(async (tx, { afterCommit }) => {
      for (const leak of request.leaks) {
        const verb =
          leak.action === 'revoked'
            ? 'revoked'
            : leak.action === 'reported'
              ? 'left active (test keys are revoked only if the organization opts in)'
              : 'already inactive';
        const alert = await this.raise(tx, {
          orgId: leak.org_id,
          keyId: leak.key_id,
          type: 'key_leaked',
          subject: leak.url,
          message: `API key found in public (${leak.source}): ${verb}`,
          details: { url: leak.url, source: leak.source, action: leak.action, mode: leak.mode },
        });
        if (alert) raised += 1;
      }
      afterCommit(() => this.alertsCommitted(raised));
    });
    return { raised };
  }

  /**
   * Stores an alert unless one of the same key/type/subject is still cooling down, and queues its
   * webhook deliveries — all inside the caller's transaction, so an alert and its deliveries exist
   * together or not at all. Returns the alert, or null when suppressed.
   */
  async raise(sql: SqlExecutor, candidate: AlertCandidate): Promise<AlertView | null> {
    const until = candidate.cooldownUntil ?? new Date(Date.now() + this.config.ALERT_COOLDOWN_MS);
    if (
      !(await this.repository.takeCooldown(sql, candidate.keyId, candidate.type, candidate.subject, until))
    ) {
      return null;
    }
    const row = await this.repository.insert(sql, {
      id: newId(IdPrefix.Alert),
      org_id: candidate.orgId,
      key_id: candidate.keyId,
      type: candidate.type,
      message: candidate.message,
      details: candidate.details,
    });
    const view = toAlertView(row);
    await this.webhooks.enqueueAlert(sql, view);
    this.metrics.alertsRaised.inc({ type: view.type });
    this.logger.info(
      { alert_id: view.id, type: view.type, key_id: view.key_id, org_id: view.organization_id },
      'alert raised',
    );
    return view;
  }

  /** Call after the transaction that raised alerts committed. */
  alertsCommitted(count: number): void {
    if (count > 0) this.webhooks.notifyEnqueued();
  }

  async list(request: ListAlertsRequest): Promise<Page<AlertView>> {
    const { query } = request;
    const filter: { status?: AlertRow['status']; type?: AlertType; keyId?: string } = {};
    if (query.status) filter.status = query.status;
    if (query.type) filter.type = query.type;
    if (query.key_id) filter.keyId = query.key_id;
    const rows = await this.repository.list(
      request.actor.org_id,
      filter,
      query.limit + 1,
      decodeCursor(query.cursor, 'cursor'),
    );
    return toPage(rows, query.limit, toAlertView, rowPosition);
  }

  async acknowledge(request: AckAlertRequest): Promise<AlertView> {
    const row = await this.repository.acknowledge(request.actor.org_id, request.id);
    if (!row) throw new AppError(ErrorCode.NotFound);
    return toAlertView(row);
  }
}

export function toAlertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    object: 'alert',
    organization_id: row.org_id,
    key_id: row.key_id,
    type: row.type,
    status: row.status,
    message: row.message,
    details: row.details,
    created_at: row.created_at.toISOString(),
    acknowledged_at: row.acknowledged_at?.toISOString() ?? null,
  };
}
