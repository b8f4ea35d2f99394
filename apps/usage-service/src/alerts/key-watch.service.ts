import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@plexmcp/service-kit';
import type { UsageServiceConfig } from '../config.js';
import type { SqlExecutor } from '@plexmcp/service-kit';
import type { LocatedUsage } from '../ingest/usage-aggregator.js';
import { AlertsRepository } from './alerts.repository.js';
import { expiryWarning } from './expiry-warning.js';
import { AlertsService } from './alerts.service.js';

const DAY_MS = 86_400_000;
const MEMORY_LIMIT = 200_000;

/**
 * The per-event anomalies, decided inside the ingest transaction (so exactly once):
 * `new_location` — a country never seen for the key, except the very first one — and
 * `key_expiring` — a key used within KEY_EXPIRY_WARNING_DAYS of its expiry.
 */
@Injectable()
export class KeyWatchService {
  /** `key|country` pairs known to be stored: most batches then need no location query at all. */
  private knownPairs = new Set<string>();
  /** `key|expires_at` already warned about. */
  private warnedExpiries = new Set<string>();

  constructor(
    private readonly repository: AlertsRepository,
    private readonly alerts: AlertsService,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
  ) {}

  /** Returns the number of alerts raised, plus what to remember once the transaction commits. */
  async inspect(
    sql: SqlExecutor,
    events: readonly LocatedUsage[],
    nowMs: number,
  ): Promise<{ raised: number; commit: () => void }> {
    const seenPairs: string[] = [];
    const warned: string[] = [];
    let raised = 0;

    // Locations, in event order so the earliest country of a brand-new key is its first one.
    const firstByKey = new Map<string, { orgId: string; country: string; at: number }>();
    const newPairs = new Map<string, { keyId: string; country: string; seenAt: number; orgId: string }>();
    for (const { event, occurredAt, country } of events) {
      if (!country) continue;
      const pair = `${event.key_id}|${country}`;
      if (this.knownPairs.has(pair)) continue;
      const first = firstByKey.get(event.key_id);
      if (!first || occurredAt < first.at)
        firstByKey.set(event.key_id, { orgId: event.org_id, country, at: occurredAt });
      const known = newPairs.get(pair);
      if (!known || occurredAt < known.seenAt) {
        newPairs.set(pair, { keyId: event.key_id, country, seenAt: occurredAt, orgId: event.org_id });
      }
    }
    if (newPairs.size > 0) {
      const profiles = [...firstByKey]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([keyId, f]) => ({
          keyId,
          orgId: f.orgId,
          firstCountry: f.country,
          firstSeenAt: f.at,
        }));
      const createdProfiles = await this.repository.createProfiles(sql, profiles);
      const sortedPairs = [...newPairs.values()].sort((a, b) =>
        a.keyId === b.keyId ? (a.country < b.country ? -1 : 1) : a.keyId < b.keyId ? -1 : 1,
      );
      const inserted = await this.repository.addCountries(sql, sortedPairs);
      const alerting = inserted.filter(
        (p) => !(createdProfiles.has(p.key_id) && firstByKey.get(p.key_id)?.country === p.country),
      );
      if (alerting.length > 0) {
        const all = await this.repository.countriesOf(sql, [...new Set(alerting.map((p) => p.key_id))]);
        for (const p of alerting) {
          const meta = newPairs.get(`${p.key_id}|${p.country}`)!;
          const known = all
            .filter((c) => c.key_id === p.key_id && c.country !== p.country)
            .map((c) => c.country);
          const alert = await this.alerts.raise(sql, {
            orgId: meta.orgId,
            keyId: p.key_id,
            type: 'new_location',
            subject: p.country,
            message: `Key used from a new country: ${p.country}`,
            details: {
              country: p.country,
              known_countries: known,
              first_seen_at: new Date(meta.seenAt).toISOString(),
            },
          });
          if (alert) raised += 1;
        }
      }
      seenPairs.push(...newPairs.keys());
    }

    // Expiry warnings: the newest expires_at of each key in the batch.
    const expiries = new Map<string, { orgId: string; expiresAt: number }>();
    for (const { event } of events) {
      if (!event.expires_at) continue;
      expiries.set(event.key_id, { orgId: event.org_id, expiresAt: Date.parse(event.expires_at) });
    }
    const warnMs = this.config.KEY_EXPIRY_WARNING_DAYS * DAY_MS;
    for (const [keyId, { orgId, expiresAt }] of expiries) {
      const id = `${keyId}|${expiresAt}`;
      if (this.warnedExpiries.has(id) || expiresAt <= nowMs || expiresAt - nowMs > warnMs) continue;
      const alert = await this.alerts.raise(sql, expiryWarning(orgId, keyId, expiresAt, nowMs));
      if (alert) raised += 1;
      warned.push(id);
    }

    return {
      raised,
      commit: () => {
        if (this.knownPairs.size + seenPairs.length > MEMORY_LIMIT) this.knownPairs.clear();
        for (const p of seenPairs) this.knownPairs.add(p);
        if (this.warnedExpiries.size > MEMORY_LIMIT) this.warnedExpiries.clear();
        for (const w of warned) this.warnedExpiries.add(w);
      },
    };
  }
}
