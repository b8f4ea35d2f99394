import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { PinoNestLogger } from './logger.js';

export interface MicroserviceSettings {
  natsUrl: string;
  /** Queue group: instances of one service share the request load. */
  queue: string;
  name: string;
  logger: Logger;
  /**
   * On close, stop taking requests, then give in-flight handlers this long to reply before the
   * connection closes. Without it, replies of in-flight requests are lost on shutdown.
   */
  shutdownGraceMs?: number;
}

/**
 * Boots a NestJS NATS microservice with our logger and graceful shutdown (SIGTERM/SIGINT close
 * the app: NATS is drained, then providers' onModuleDestroy hooks close the database).
 */
export async function createNatsMicroservice(
  module: unknown,
  settings: MicroserviceSettings,
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module as never, {
    transport: Transport.NATS,
    options: {
      servers: settings.natsUrl.split(','),
      queue: settings.queue,
      name: settings.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
      ...(settings.shutdownGraceMs === undefined
        ? {}
        : { gracefulShutdown: true, gracePeriod: settings.shutdownGraceMs }),
    },
    logger: new PinoNestLogger(settings.logger),
    bufferLogs: false,
  });
  app.enableShutdownHooks();
  return app;
}
