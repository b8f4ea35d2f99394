import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { type HealthReply, Subjects } from '@plexmcp/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { DatabaseProbe, SERVICE_INSTANCE_ID, SERVICE_NATS } from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import { IngestConsumer } from '../ingest/ingest.consumer.js';
import { DATA_SOURCE } from '../tokens.js';

const DATABASE_CHECK_TIMEOUT_MS = 1_000;

@Controller()
export class HealthController {
  private readonly database: DatabaseProbe;

  constructor(
    private readonly consumer: IngestConsumer,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_INSTANCE_ID) private readonly instanceId: string,
  ) {
    // A query on this service's own pool, bounded so a hung database cannot hang the answer.
    this.database = new DatabaseProbe(() => dataSource.query('SELECT 1'), DATABASE_CHECK_TIMEOUT_MS);
  }

  @MessagePattern(Subjects.usage.health)
  async health(): Promise<HealthReply> {
    const database = await this.database.up();
    const checks = { database, nats: !this.nc.isClosed(), ingest: this.consumer.running };
    return {
      service: 'usage-service',
      status: Object.values(checks).every(Boolean) ? 'ok' : 'degraded',
      instance_id: this.instanceId,
      checks,
    };
  }
}
