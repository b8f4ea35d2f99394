import { DataSource } from 'typeorm';
import {
  type Keyring,
  Tables,
  TransactionRunner,
  dataSourceOptions,
  migrateWithLock,
  resealColumn,
} from '@plexmcp/service-kit';
import {
  AlertCooldownEntity,
  AlertEntity,
  KeyCountryEntity,
  KeyProfileEntity,
} from '../alerts/alert.entity.js';
import { LimitBlockEntity, UsageCounterEntity } from '../limits/limit.entity.js';
import {
  ProcessedEventEntity,
  RollupStateEntity,
  UsageDayEntity,
  UsageHourEntity,
  UsageMinuteEntity,
} from '../usage/usage-aggregate.entity.js';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from '../webhooks/webhook.entity.js';
import { WebhookSecretCipher } from '../webhooks/webhook-secret-cipher.js';
import { webhookSecretsColumn } from '../webhooks/webhook-secrets.service.js';
import { WebhooksRepository } from '../webhooks/webhooks.repository.js';
import { InitialSchema1764100000000 } from './migrations/1764100000000-initial-schema.js';
import { WebhookDeliveriesPending1796200000000 } from './migrations/1796200000000-webhook-deliveries-pending.js';
import { UsageByTool1765300000000 } from './migrations/1765300000000-usage-by-tool.js';
import { OrgAlertThresholds1765300000001 } from './migrations/1765300000001-org-alert-thresholds.js';
import { OrgAlertThresholdsEntity } from '../alerts/alert-thresholds.entity.js';
import { ToolUsageMinuteEntity } from '../usage/tool-usage.entity.js';

export const MIGRATIONS = [
  InitialSchema1764100000000,
  WebhookDeliveriesPending1796200000000,
  UsageByTool1765300000000,
  OrgAlertThresholds1765300000001,
];

/** Every table of the usage-service, exactly as the migrations create them. */
export const ENTITIES = [
  ProcessedEventEntity,
  UsageMinuteEntity,
  UsageHourEntity,
  UsageDayEntity,
  ToolUsageMinuteEntity,
  RollupStateEntity,
  UsageCounterEntity,
  LimitBlockEntity,
  KeyProfileEntity,
  KeyCountryEntity,
  AlertEntity,
  AlertCooldownEntity,
  OrgAlertThresholdsEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
];

export interface UsageDatabaseSettings {
  url: string;
  schema: string;
  poolSize: number;
}

export interface OpenDatabaseSettings extends UsageDatabaseSettings {
  /** Encrypts webhook secrets still stored in clear, right after the migrations. */
  keyring: Keyring;
}

export function createUsageDataSource(settings: UsageDatabaseSettings): DataSource {
  return new DataSource(
    dataSourceOptions({
      url: settings.url,
      schema: settings.schema,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      poolSize: settings.poolSize,
      applicationName: 'usage-service',
    }),
  );
}

/**
 * Creates the schema if needed, connects, applies pending migrations, then encrypts webhook
 * secrets still stored in clear (rows written before encryption at rest; idempotent, one
 * transaction). Answers how many secrets that pass encrypted.
 */
export async function openUsageDatabase(
  settings: OpenDatabaseSettings,
): Promise<{ dataSource: DataSource; encryptedWebhooks: number }> {
  const dataSource = await createUsageDataSource(settings).initialize();
  try {
    const cipher = new WebhookSecretCipher(settings.keyring);
    const repository = new WebhooksRepository(new Tables(dataSource), new TransactionRunner(dataSource));
    const { after } = await migrateWithLock(dataSource, (manager) =>
      resealColumn(manager, webhookSecretsColumn(repository, cipher), 'plaintext'),
    );
    return { dataSource, encryptedWebhooks: after.reencrypted };
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
