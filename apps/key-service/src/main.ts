// Only the small runService module is loaded before the signal handlers are in place; the service
// itself is imported after, so a stop during start-up is handled too.
import { runService } from '@plexmcp/service-kit/main';

// SIGTERM/SIGINT close the service: drain NATS, let in-flight requests finish, close the pool.
await runService('key-service', async () => (await import('./index.js')).bootstrap());
