import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { NatsConnection } from '@plexmcp/service-kit';
import { GatewayRegistry } from './gateway-registry.js';
import { EVENTS_NATS, KeyEventsPublisher } from './key-events.publisher.js';

@Global()
@Module({})
export class EventsModule {
  static forConnection(nc: NatsConnection): DynamicModule {
    return {
      module: EventsModule,
      providers: [{ provide: EVENTS_NATS, useValue: nc }, GatewayRegistry, KeyEventsPublisher],
      exports: [EVENTS_NATS, GatewayRegistry, KeyEventsPublisher],
    };
  }
}
