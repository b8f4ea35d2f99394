import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NatsRole } from '@plexmcp/contracts';
import { type NatsConnection, connectNats } from '@plexmcp/service-kit';

/** A role's user and password that `pnpm start` generated for the NATS it started in `dataDir`. */
export function localNatsUser(dataDir: string, role: NatsRole): { user: string; password: string } {
  const file = JSON.parse(readFileSync(path.join(dataDir, 'nats-credentials.json'), 'utf8')) as {
    users: Record<NatsRole, { user: string; password: string }>;
  };
  return file.users[role];
}

/** Connects to the NATS a `pnpm start` started, as `role` (its permissions, its inboxes). */
export function connectAsRole(
  url: string,
  dataDir: string,
  role: NatsRole,
  name: string,
): Promise<NatsConnection> {
  return connectNats(url, name, { auth: localNatsUser(dataDir, role), role });
}
