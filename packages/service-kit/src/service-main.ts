import type { Logger } from 'pino';
import { ConfigError, logFormatSchema, logLevelSchema } from './config.js';
import { createLogger } from './logger.js';
import { pinTickObjectShape } from './tick-shape.js';

export { pinTickObjectShape };

/**
 * Exit code of a process that cannot start for a reason a restart will not fix: invalid
 * configuration, or its port is taken (EX_CONFIG of sysexits.h). `pnpm start` stops instead of
 * restarting a service that exits with it.
 */
export const EXIT_CANNOT_START = 78;

/** What a service's `bootstrap()` returns: something that shuts it down gracefully. */
export interface StoppableService {
  close(): Promise<void>;
}

/** The logger of `runService` itself, from the raw environment (its config is not parsed yet). */
function processLogger(name: string): Logger {
  const level = logLevelSchema.safeParse(process.env.LOG_LEVEL || undefined);
  const format = logFormatSchema.safeParse(process.env.LOG_FORMAT || undefined);
  return createLogger(name, level.success ? level.data : 'info', format.success ? format.data : 'json');
}

/** Why a start-up failure is final, or null when a restart may help (e.g. NATS not up yet). */
function finalFailure(err: unknown): string | null {
  if (err instanceof ConfigError) return err.message;
  const errno = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (errno?.code === 'EADDRINUSE') {
    const where = errno.port === undefined ? '' : ` ${errno.address ? `${errno.address}:` : ''}${errno.port}`;
    return `cannot listen on${where}: the port is already in use`;
  }
  return null;
}

/**
 * The one start/stop model of every PlexMCP service process (its `main.ts`): nothing else in the
 * process installs signal handlers.
 *
 * - Starts the service. A failure exits 78 (`EXIT_CANNOT_START`) when a restart cannot help
 *   (invalid configuration, port in use), else 1.
 * - The first SIGTERM or SIGINT closes it gracefully, then exits 0 (1 if closing failed). One that
 *   arrives while it is still starting exits 0 at once: nothing is being served yet.
 * - A second signal exits at once (status 130).
 */
export async function runService(name: string, start: () => Promise<StoppableService>): Promise<void> {
  // First, before the service's own modules load (see tick-shape.ts).
  pinTickObjectShape();
  const logger = processLogger(name);
  let service: StoppableService | undefined;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(130);
    }
    stopping = true;
    if (!service) {
      logger.info({ signal }, 'stopped before start-up finished');
      process.exit(0);
    }
    logger.info({ signal }, 'shutting down');
    service.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    service = await start();
  } catch (err) {
    const final = finalFailure(err);
    if (final !== null) {
      logger.fatal(`${name} cannot start: ${final}`);
      process.exit(EXIT_CANNOT_START);
    }
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
}
