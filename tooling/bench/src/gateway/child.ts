import type { GatewayEnv, bootstrap as Bootstrap } from '@plexmcp/api-gateway';
import { bootstrap as bootstrapKeyService } from '@plexmcp/key-service';
import { bootstrap as bootstrapUsageService } from '@plexmcp/usage-service';
import { READY_MARKER, startBareFastify, startHandProxy, startTrivialUpstream } from './bench-servers.js';

/**
 * Entry point of one benchmark server process: `node child.js <kind> <json>`. Prints
 * READY_MARKER + `{"url": …}` on stdout once listening (logs may share stdout), then serves until killed.
 */
const [kind, raw] = process.argv.slice(2);
const options = JSON.parse(raw ?? '{}') as GatewayEnv & {
  body?: unknown;
  keys?: string[];
  upstream?: string;
  sse?: boolean;
  service?: Record<string, unknown>;
};

/**
 * A baseline server has nothing to close: it exits on SIGTERM, through `process.exit` rather than
 * the default signal death, so `--cpu-prof` (BENCH_PROFILE_KINDS) still writes its profile.
 */
function exitOnSigterm(): void {
  process.once('SIGTERM', () => process.exit(0));
}

let url: string;
switch (kind) {
  case 'gateway': {
    // BENCH_GATEWAY_MODULE: another build of the gateway (see ../cpu/ab.ts), else this checkout's.
    const module = (await import(process.env.BENCH_GATEWAY_MODULE ?? '@plexmcp/api-gateway')) as {
      bootstrap: typeof Bootstrap;
    };
    const gateway = await module.bootstrap(options);
    url = gateway.url;
    process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
    break;
  }
  case 'bare-fastify':
    url = await startBareFastify(options.body);
    exitOnSigterm();
    break;
  case 'upstream':
    url = await startTrivialUpstream(options.sse === true);
    exitOnSigterm();
    break;
  case 'key-service':
  case 'usage-service': {
    const start = kind === 'key-service' ? bootstrapKeyService : bootstrapUsageService;
    const service = await start(options.service ?? {});
    url = '';
    process.once('SIGTERM', () => void service.close().then(() => process.exit(0)));
    break;
  }
  case 'hand-proxy':
    url = await startHandProxy(options.keys ?? [], options.upstream ?? '');
    exitOnSigterm();
    break;
  default:
    throw new Error(`unknown server kind ${kind}`);
}
process.stdout.write(`${READY_MARKER}${JSON.stringify({ url })}\n`);
