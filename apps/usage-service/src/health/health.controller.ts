import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { type HealthReply, Subjects } from '@plexmcp/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { IngestConsumer } from '../ingest/ingest.consumer.js';
import { DATA_SOURCE, INSTANCE_ID, NATS_CONNECTION } from '../tokens.js';

@Controller()
export class HealthController {
  constructor(
    private readonly consumer: IngestConsumer,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {}

  @MessagePattern(Subjects.usage.health)
  async health(): Promise<HealthReply> {
    const database = await this.dataSource
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    const checks = { database, nats: !this.nc.isClosed(), ingest: this.consumer.running };
    return {
      service: 'usage-service',
      status: Object.values(checks).every(Boolean) ? 'ok' : 'degraded',
      instance_id: this.instanceId,
      checks,
    };
  }
}
