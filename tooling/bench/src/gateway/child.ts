import { type GatewayEnv, bootstrap } from '@plexmcp/api-gateway';
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
};

let url: string;
switch (kind) {
  case 'gateway': {
    const gateway = await bootstrap(options);
    url = gateway.url;
    process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
    break;
  }
  case 'bare-fastify':
    url = await startBareFastify(options.body);
    break;
  case 'upstream':
    url = await startTrivialUpstream();
    break;
  case 'hand-proxy':
    url = await startHandProxy(options.keys ?? [], options.upstream ?? '');
    break;
  default:
    throw new Error(`unknown server kind ${kind}`);
}
process.stdout.write(`${READY_MARKER}${JSON.stringify({ url })}\n`);
