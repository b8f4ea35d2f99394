import { describe, expect, it } from '@jest/globals';
import { ARGON2ID_PARAMETERS, hashPassword, needsRehash, verifyPassword } from './passwords.js';

describe('password hashing', () => {
  it('is Argon2id with 19 MiB, 2 passes, 1 lane (OWASP), written into the PHC string', async () => {
    expect(ARGON2ID_PARAMETERS).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(needsRehash(stored)).toBe(false);
  });

  it('verifies the right password only, with a fresh salt every time', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).not.toBe(b);
    await expect(verifyPassword(a, 'correct horse battery staple')).resolves.toBe(true);
    await expect(verifyPassword(a, 'correct horse battery stapl')).resolves.toBe(false);
    await expect(verifyPassword('not a hash', 'anything')).resolves.toBe(false);
  });

  it('says when a hash was made with weaker parameters', () => {
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(true);
    expect(needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(true);
  });
});
