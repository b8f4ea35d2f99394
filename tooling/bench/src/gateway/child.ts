import type { GatewayEnv, bootstrap as Bootstrap } from '@plexmcp/api-gateway';
import { pinTickObjectShape } from '@plexmcp/service-kit/main';
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

// Every server as a service process runs (runService does this before loading the service), the
// baselines included, so that neither side is measured with nextTick off V8's fast path.
// BENCH_NO_TICK_PIN=1 leaves it out, to measure what it saves (see ../cpu/ab.ts).
if (process.env.BENCH_NO_TICK_PIN !== '1') pinTickObjectShape();

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
    const { bootstrap: start } =
      kind === 'key-service' ? await import('@plexmcp/key-service') : await import('@plexmcp/usage-service');
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
