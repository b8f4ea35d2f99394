import { runService } from '@plexmcp/service-kit';
import { bootstrap } from './index.js';

// SIGTERM/SIGINT close the service: stop consuming, finish in-flight batches, close NATS and Postgres.
await runService('usage-service', () => bootstrap());
