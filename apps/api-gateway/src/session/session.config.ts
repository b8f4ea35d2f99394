import { booleanSchema, msSchema } from '@plexmcp/service-kit';
import { z } from 'zod';

/**
 * Environment of the dashboard and its sessions, part of the gateway's configuration.
 */
export const sessionEnv = {
  /**
   * Signs dashboard session cookies (HMAC-SHA256), at least 32 characters; the key that signs the
   * MCP session ids handed to clients is derived from it (HKDF). Set the same value on every
   * gateway when they run on several machines. Unset: a secret generated once and kept in
   * `<PLEXMCP_DATA_DIR>/session-secret`, shared by every instance using that directory.
   */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Longest life of a dashboard session (also ended by the key's revocation or expiry). Default 8 h. */
  SESSION_TTL_MS: msSchema(8 * 3_600_000, 60_000, 30 * 86_400_000),
  /** Data directory of a local installation (`pnpm start` sets it); holds the generated session secret. */
  PLEXMCP_DATA_DIR: z.string().min(1).optional(),
  /**
   * Break-glass: allow signing in to the dashboard with an organization admin key
   * (`POST /dashboard/api/session`). Default false: people sign in with their accounts.
   */
  DASHBOARD_KEY_SIGN_IN: booleanSchema(false),
  /** Serve the dashboard under /dashboard. Default true. */
  DASHBOARD_ENABLED: booleanSchema(true),
  /** The built dashboard (`apps/dashboard/dist`). Default: found beside this app in the repository. */
  DASHBOARD_DIR: z.string().min(1).optional(),
};
