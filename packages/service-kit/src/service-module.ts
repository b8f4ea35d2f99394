import {
  type DynamicModule,
  type FactoryProvider,
  Global,
  Inject,
  Injectable,
  Module,
  type ModuleMetadata,
  type OnModuleDestroy,
  type Type,
  type ValueProvider,
} from '@nestjs/common';
import type { Logger } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import type { z } from 'zod';
import { type JsonSubscription, type JsonSubscriptionOptions, subscribeJson } from './subscribe-json.js';
import { type KitLogger, PeriodicTask, type PeriodicTaskOptions } from './periodic-task.js';

/** The service's validated configuration (what its `load…Config` returned). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
/** The service's pino logger. */
export const SERVICE_LOGGER = Symbol('SERVICE_LOGGER');
/** The plain NATS connection for events and subscriptions (the RPC transport has its own). */
export const SERVICE_NATS = Symbol('SERVICE_NATS');
/** This process's id, as reported by its health answer. */
export const SERVICE_INSTANCE_ID = Symbol('SERVICE_INSTANCE_ID');

/**
 * The one shutdown order of every service, phase by phase; each part of a service is registered
 * under the phase it belongs to. Parts of one phase stop together; a part that fails is logged and
 * the next phases still run.
 *
 * 1. `stop accepting`: no new request (the HTTP server, or the RPC transport draining its queue
 *    group subscriptions and answering what it already received).
 * 2. `drain subscriptions`: event subscriptions and stream consumers stop; handlers running finish.
 * 3. `stop tasks`: periodic tasks stop, each awaiting its running tick.
 * 4. `flush publishers`: buffered outgoing events are published.
 * 5. `close connections`: NATS connections drain, the database pool closes.
 */
export const SHUTDOWN_PHASES = [
  'stop accepting',
  'drain subscriptions',
  'stop tasks',
  'flush publishers',
  'close connections',
] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

interface ShutdownPart {
  phase: ShutdownPhase;
  name: string;
  stop: () => unknown;
}

export class ServiceShutdown {
  private readonly parts: ShutdownPart[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly logger: Pick<KitLogger, 'warn'>) {}

  /** Registers what stops in `phase`; parts registered after `run()` started are stopped at once. */
  add(phase: ShutdownPhase, name: string, stop: () => unknown): void {
    this.parts.push({ phase, name, stop });
  }

  /** Runs every phase in order (once: later calls share the first run). */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const phase of SHUTDOWN_PHASES) {
        const parts = this.parts.filter((p) => p.phase === phase);
        const results = await Promise.allSettled(parts.map((p) => Promise.resolve().then(p.stop)));
        results.forEach((result, i) => {
          if (result.status === 'rejected') {
            const err: unknown = result.reason;
            this.logger.warn({ err, phase, part: parts[i]?.name }, 'shutdown step failed');
          }
        });
      }
    })();
    return this.running;
  }
}

/** Starts a periodic task that stops (awaiting its running tick) in the `stop tasks` phase. */
export function runPeriodicTask(shutdown: ServiceShutdown, options: PeriodicTaskOptions): PeriodicTask {
  const task = new PeriodicTask(options);
  task.start();
  shutdown.add('stop tasks', options.name, () => task.stop());
  return task;
}

export interface ScheduledTaskSpec<T, C> {
  /** Names the task in log lines and shutdown steps. */
  name: string;
  /** The provider whose work runs on each tick. */
  on: Type<T>;
  run: (target: T) => unknown;
  intervalMs: (config: C) => number;
  runOnStart?: boolean;
  /** Run once more after the task stopped, in the `flush publishers` phase (a batching publisher). */
  flushOnShutdown?: boolean;
}

/**
 * A feature module's declaration of a periodic task (`providers: [RollupService,
 * scheduledTask({ name: 'usage rollup', on: RollupService, run: (r) => r.run(), intervalMs: (c:
 * UsageServiceConfig) => c.ROLLUP_INTERVAL_MS })]`): it starts when the application has booted and
 * stops, awaiting its running tick, in the `stop tasks` phase. The provider doing the work needs no
 * timer, logger or lifecycle hook of its own.
 */
export function scheduledTask<T, C>(spec: ScheduledTaskSpec<T, C>): FactoryProvider {
  return {
    provide: Symbol(spec.name),
    inject: [spec.on, SERVICE_CONFIG, SERVICE_LOGGER, ServiceShutdown],
    useFactory: (target: T, config: C, logger: Logger, shutdown: ServiceShutdown) => ({
      onApplicationBootstrap: (): void => {
        runPeriodicTask(shutdown, {
          name: spec.name,
          intervalMs: spec.intervalMs(config),
          logger,
          runOnStart: spec.runOnStart ?? false,
          run: () => spec.run(target),
        });
        if (spec.flushOnShutdown) shutdown.add('flush publishers', spec.name, () => spec.run(target));
      },
    }),
  };
}

/** Subscribes (see `subscribeJson`); the subscription drains in the `drain subscriptions` phase. */
export function runSubscription<S extends z.ZodType>(
  shutdown: ServiceShutdown,
  nc: NatsConnection,
  options: JsonSubscriptionOptions<S>,
): JsonSubscription {
  const subscription = subscribeJson(nc, options);
  shutdown.add('drain subscriptions', options.subject, () => subscription.close());
  return subscription;
}

/**
 * In a Nest microservice, `app.close()` first stops the transport (phase 1), then calls the
 * providers' destroy hooks: this one runs the remaining phases, in order, before any other
 * `onApplicationShutdown` hook.
 */
@Injectable()
class ServiceShutdownHook implements OnModuleDestroy {
  constructor(@Inject(ServiceShutdown) private readonly shutdown: ServiceShutdown) {}

  onModuleDestroy(): Promise<void> {
    return this.shutdown.run();
  }
}

export interface ServiceResources {
  config: unknown;
  logger: Logger;
  /** Provided as `SERVICE_INSTANCE_ID`. */
  instanceId?: string;
  /** Provided as `SERVICE_NATS`. */
  nats?: NatsConnection;
  /** Other process-wide values, by token (the event NATS connection, the instance id, …). */
  values?: ReadonlyArray<ValueProvider>;
  /**
   * When given, available to every provider (who registers its parts) and run when the Nest app
   * closes. Omit it when the process runs its shutdown itself (the gateway, whose phase 1 is the
   * Nest app closing).
   */
  shutdown?: ServiceShutdown;
}

@Global()
@Module({})
class ServiceResourcesModule {
  static register(resources: ServiceResources): DynamicModule {
    const providers: Array<ValueProvider | Type> = [
      { provide: SERVICE_CONFIG, useValue: resources.config },
      { provide: SERVICE_LOGGER, useValue: resources.logger },
      ...(resources.instanceId === undefined
        ? []
        : [{ provide: SERVICE_INSTANCE_ID, useValue: resources.instanceId }]),
      ...(resources.nats === undefined ? [] : [{ provide: SERVICE_NATS, useValue: resources.nats }]),
      ...(resources.values ?? []),
    ];
    if (resources.shutdown) {
      providers.push({ provide: ServiceShutdown, useValue: resources.shutdown }, ServiceShutdownHook);
    }
    const exported = providers.flatMap((p) => ('provide' in p ? [p.provide] : []));
    return { module: ServiceResourcesModule, providers, exports: exported };
  }
}

/**
 * A service's root module: the process-wide resources `bootstrap()` opened before Nest starts,
 * provided globally under the `SERVICE_*` tokens, and the service's feature modules.
 */
export function serviceRootModule(
  root: Type,
  resources: ServiceResources,
  features: NonNullable<ModuleMetadata['imports']>,
  providers: NonNullable<ModuleMetadata['providers']> = [],
): DynamicModule {
  return { module: root, imports: [ServiceResourcesModule.register(resources), ...features], providers };
}
