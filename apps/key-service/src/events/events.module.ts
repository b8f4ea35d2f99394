import { Global, Module } from '@nestjs/common';
import { GatewayRegistry } from './gateway-registry.js';
import { KeyEventsPublisher } from './key-events.publisher.js';

@Global()
@Module({
  providers: [GatewayRegistry, KeyEventsPublisher],
  exports: [GatewayRegistry, KeyEventsPublisher],
})
export class EventsModule {}
