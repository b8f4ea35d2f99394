import { runService } from '@plexmcp/service-kit';
import { bootstrap } from './index.js';

// SIGTERM/SIGINT close the service: drain NATS, let in-flight requests finish, close the pool.
await runService('key-service', () => bootstrap());
