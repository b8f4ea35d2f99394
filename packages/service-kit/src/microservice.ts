import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { DrainingServerNats } from './draining-server-nats.js';
import { PinoNestLogger } from './logger.js';
import type { RpcServerMetrics } from './metrics.js';
import { RpcReplyInterceptor } from './rpc-server.js';
import { type NatsClientSettings, natsConnectOptions } from './nats.js';
import type { Tracing } from './tracing.js';

export interface MicroserviceSettings {
  natsUrl: string;
  /** Its NATS credentials and role (see `natsConnectOptions`). */
  nats?: NatsClientSettings;
  /** Queue group: instances of one service share the request load. */
  queue: string;
  name: string;
  logger: Logger;
  /**
   * Closing drains the subscriptions (no request already routed here is lost) and gives in-flight
   * handlers this long to reply before the connection closes (see DrainingServerNats); default 0.
   */
  shutdownGraceMs?: number;
  /** Times every reply (`rpc_server_duration_seconds`). */
  metrics?: RpcServerMetrics;
  /** Records every reply as a server span, child of the caller's `traceparent`. */
  tracing?: Tracing;
}

/**
 * Boots a NestJS NATS microservice with our logger. Closing the app drains NATS, then runs the
 * providers' shutdown hooks (which close the database). Signals are not handled here: the process's
 * `main.ts` owns them (see `runService`), so there is one shutdown path, not two racing.
 */
export async function createNatsMicroservice(
  module: unknown,
  settings: MicroserviceSettings,
): Promise<INestMicroservice> {
  const options = {
    ...natsConnectOptions(settings.natsUrl, settings.name, settings.nats),
    queue: settings.queue,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  };
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module as never, {
    strategy: new DrainingServerNats(options, settings.shutdownGraceMs ?? 0),
    logger: new PinoNestLogger(settings.logger),
    bufferLogs: false,
  });
  return app;
}

/**
 * Boots and starts a service's NATS microservice: every `@MessagePattern` reply wrapped in the
 * RpcReply envelope, and serving (its queue-group subscriptions known to the broker) when it
 * resolves. With `metrics` and `tracing`, each reply is also timed and traced.
 */
export async function startNatsMicroservice(
  module: unknown,
  settings: MicroserviceSettings,
): Promise<INestMicroservice> {
  const app = await createNatsMicroservice(module, settings);
  app.useGlobalInterceptors(new RpcReplyInterceptor(settings.logger, settings.metrics, settings.tracing));
  await app.listen();
  return app;
}
