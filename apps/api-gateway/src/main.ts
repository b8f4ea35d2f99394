import { runService } from '@plexmcp/service-kit';
import { bootstrap } from './index.js';

// SIGTERM/SIGINT close the gateway: stop taking requests, flush usage events, drain NATS.
await runService('api-gateway', () => bootstrap());
