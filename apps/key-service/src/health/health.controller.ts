import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { type HealthReply, Subjects } from '@plexmcp/contracts';
import { DatabaseProbe, type NatsConnection, SERVICE_INSTANCE_ID, SERVICE_NATS } from '@plexmcp/service-kit';
import { ApiKeysRepository } from '../keys/api-keys.repository.js';

const DATABASE_CHECK_TIMEOUT_MS = 1_000;
/** Not a SHA-256 in hex, so no key has it: the probe finds nothing, through the real statement. */
const PROBE_KEY_HASH = 'health-probe';

@Controller()
export class HealthController {
  private readonly database: DatabaseProbe;

  constructor(
    @Inject(ApiKeysRepository) keys: ApiKeysRepository,
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_INSTANCE_ID) private readonly instanceId: string,
  ) {
    // The database check runs what `keys.validate` runs: the named validation statement, on the
    // same pool. A database that answers `SELECT 1` but cannot serve validations is not healthy.
    this.database = new DatabaseProbe(
      () => keys.findForValidation(PROBE_KEY_HASH),
      DATABASE_CHECK_TIMEOUT_MS,
    );
  }

  /** Answering at all proves the RPC transport; the checks cover the database and the event link. */
  @MessagePattern(Subjects.keys.health)
  async health(): Promise<HealthReply> {
    const database = await this.database.up();
    const nats = !this.nc.isClosed();
    return {
      service: 'key-service',
      status: database && nats ? 'ok' : 'degraded',
      instance_id: this.instanceId,
      checks: { database, nats },
    };
  }
}
