import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

/**
 * Argon2id with the first of OWASP's recommended configurations (Password Storage Cheat Sheet):
 * 19 MiB of memory, 2 iterations, 1 lane — about 20–40 ms per hash on one core here, so a
 * sign-in costs little while an offline guess costs the same. The parameters are stored in each
 * PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`), so raising them later still verifies old hashes
 * (and `needsRehash` says when to re-hash at the next sign-in).
 */
export const ARGON2ID_PARAMETERS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID_PARAMETERS);
}

/** Whether `password` matches the stored PHC string; false for anything unreadable. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with weaker parameters than today's. */
export function needsRehash(stored: string): boolean {
  const { memoryCost, timeCost, parallelism } = ARGON2ID_PARAMETERS;
  return !stored.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

/**
 * A hash to verify against when the account does not exist or has no password yet, so such a
 * sign-in takes as long as a real one (no account discovery by timing).
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword('decoy password that never matches anything');
  return decoy;
}
