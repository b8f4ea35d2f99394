import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { type HealthReply, Subjects } from '@plexmcp/contracts';
import type { NatsConnection } from '@plexmcp/service-kit';
import { DataSource } from 'typeorm';
import { KEY_SERVICE_CONFIG, type KeyServiceConfig } from '../config.js';
import { EVENTS_NATS } from '../events/key-events.publisher.js';

const DATABASE_CHECK_TIMEOUT_MS = 1_000;

@Controller()
export class HealthController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(EVENTS_NATS) private readonly nc: NatsConnection,
    @Inject(KEY_SERVICE_CONFIG) private readonly config: KeyServiceConfig,
  ) {}

  /** Answering at all proves the RPC transport; the checks cover the database and the event link. */
  @MessagePattern(Subjects.keys.health)
  async health(): Promise<HealthReply> {
    const [database, nats] = await Promise.all([this.databaseUp(), Promise.resolve(!this.nc.isClosed())]);
    return {
      service: 'key-service',
      status: database && nats ? 'ok' : 'degraded',
      instance_id: this.config.instanceId,
      checks: { database, nats },
    };
  }

  private async databaseUp(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.dataSource.query('SELECT 1').then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), DATABASE_CHECK_TIMEOUT_MS);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
