import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, link, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export const SESSION_SECRET_FILE = 'session-secret';
const MIN_SECRET_BYTES = 32;

/**
 * The key that signs dashboard session cookies (and, derived from it, MCP session ids), so that
 * every gateway instance accepts them:
 *  1. `SESSION_SECRET` when set (required for gateways on several machines; at least 32 chars);
 *  2. otherwise a random secret persisted once in `<PLEXMCP_DATA_DIR>/session-secret` (mode 0600).
 *     Every instance started by `pnpm start` shares that directory, so they all read the same file;
 *     it is created with an exclusive link, so instances starting together still agree on one;
 *  3. otherwise (neither set) a random secret for this process only: sessions end when it stops
 *     and other instances refuse them, which is logged at start-up.
 */
export async function resolveSessionSecret(
  configured: string | undefined,
  dataDir: string | undefined,
  logger: Logger,
): Promise<Buffer> {
  if (configured !== undefined) return Buffer.from(configured, 'utf8');
  if (dataDir === undefined) {
    logger.warn(
      'neither SESSION_SECRET nor PLEXMCP_DATA_DIR is set: dashboard sessions and MCP session ids are valid on this instance only, until it stops',
    );
    return randomBytes(MIN_SECRET_BYTES);
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SESSION_SECRET_FILE);
  const existing = await readSecret(file);
  if (existing !== null) {
    await keepPrivate(file, logger);
    return existing;
  }
  // Write a complete file under a private name, then link it into place: link() fails when another
  // instance won the race, and then its secret (already complete) is the one everybody uses.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, randomBytes(MIN_SECRET_BYTES).toString('base64url') + '\n', { mode: 0o600 });
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const secret = await readSecret(file);
  if (secret === null) throw new Error(`${file} holds no usable session secret`);
  return secret;
}

/** A secret file readable by the group or others (copied in, or from an older version) becomes 0600. */
async function keepPrivate(file: string, logger: Logger): Promise<void> {
  if (((await stat(file)).mode & 0o077) === 0) return;
  await chmod(file, 0o600);
  logger.warn({ file }, 'the session secret file was readable by others; changed it to 0600');
}

async function readSecret(file: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return text.length >= MIN_SECRET_BYTES ? Buffer.from(text, 'utf8') : null;
}
