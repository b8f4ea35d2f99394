// Only the small runService module is loaded before the signal handlers are in place; the service
// itself is imported after, so a stop during start-up is handled too.
import { runService } from '@plexmcp/service-kit/main';

// SIGTERM/SIGINT close the gateway: stop taking requests, flush usage events, drain NATS.
await runService('api-gateway', async () => (await import('./index.js')).bootstrap());
