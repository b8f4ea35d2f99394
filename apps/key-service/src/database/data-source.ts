import { DataSource } from 'typeorm';
import { type Keyring, Tables, dataSourceOptions, migrateWithLock, resealColumn } from '@plexmcp/service-kit';
import { ApiKeyEntity } from '../keys/api-key.entity.js';
import { AuditEntryEntity } from '../audit/audit-entry.entity.js';
import { McpHeadersCipher } from '../mcps/mcp-headers-cipher.js';
import { mcpHeadersColumn } from '../mcps/mcp-secrets.service.js';
import { McpEntity } from '../mcps/mcp.entity.js';
import { McpsRepository } from '../mcps/mcps.repository.js';
import { OrganizationEntity } from '../organizations/organization.entity.js';
import { InitialSchema1764170000000 } from './migrations/1764170000000-initial-schema.js';
import { IdempotencyRecords1765000000000 } from './migrations/1765000000000-idempotency-records.js';
import { Identity1765100000000 } from './migrations/1765100000000-identity.js';
import { OrgOidc1765500000000 } from './migrations/1765500000000-org-oidc.js';
import { Actors1765200000000 } from './migrations/1765200000000-actors.js';
import { LeakedTestKeys1765300000000 } from './migrations/1765300000000-leaked-test-keys.js';
import { KeyControls1765300000001 } from './migrations/1765300000001-key-controls.js';
import { MembershipEntity } from '../identity/membership.entity.js';
import { OneTimeTokenEntity } from '../identity/one-time-token.entity.js';
import { RecoveryCodeEntity } from '../identity/recovery-code.entity.js';
import { SessionEntity } from '../identity/session.entity.js';
import { UserEntity } from '../identity/user.entity.js';

export const ENTITIES = [
  OrganizationEntity,
  McpEntity,
  ApiKeyEntity,
  AuditEntryEntity,
  UserEntity,
  MembershipEntity,
  SessionEntity,
  OneTimeTokenEntity,
  RecoveryCodeEntity,
];
export const MIGRATIONS = [
  InitialSchema1764170000000,
  IdempotencyRecords1765000000000,
  Identity1765100000000,
  Actors1765200000000,
  LeakedTestKeys1765300000000,
  KeyControls1765300000001,
  OrgOidc1765500000000,
];

export interface DatabaseConfig {
  databaseUrl: string;
  dbSchema: string;
  dbPoolSize: number;
}

export function createDataSource(config: DatabaseConfig): DataSource {
  return new DataSource(
    dataSourceOptions({
      url: config.databaseUrl,
      schema: config.dbSchema,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      poolSize: config.dbPoolSize,
      applicationName: 'plexmcp-key-service',
    }),
  );
}

export interface MigrationOutcome {
  /** Migrations applied by this run. */
  migrations: string[];
  /** MCPs whose upstream headers were still stored in clear and were encrypted by this run. */
  encryptedMcps: number;
}

/**
 * Creates the schema, runs pending migrations, then encrypts header values still stored in clear
 * (rows written before encryption at rest; idempotent, one transaction), all under the migration
 * lock: several instances may start at once.
 */
export async function migrate(config: DatabaseConfig, keyring: Keyring): Promise<MigrationOutcome> {
  const dataSource = createDataSource({ ...config, dbPoolSize: 1 });
  try {
    await dataSource.initialize();
    const { migrations, after } = await migrateWithLock(dataSource, (manager) =>
      resealColumn(
        manager,
        mcpHeadersColumn(new McpsRepository(new Tables(dataSource)), new McpHeadersCipher(keyring)),
        'plaintext',
      ),
    );
    return { migrations, encryptedMcps: after.reencrypted };
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}
