import { IdPrefix, randomBase62, requestIdHeaderSchema } from '@plexmcp/contracts';

/**
 * Cheap unique ids for the hot path: a random per-process prefix plus a counter, instead of
 * CSPRNG bytes on every request. Unique across instances because the prefix is random.
 */
export class SequentialIds {
  private readonly prefix: string;
  private counter = 0;

  constructor(kind: string) {
    this.prefix = `${kind}_${randomBase62(10)}`;
  }

  next(): string {
    this.counter += 1;
    return this.prefix + this.counter.toString(36);
  }
}

export const requestIds = new SequentialIds(IdPrefix.Request);

/**
 * This request's id: the client's `X-Request-Id` when it is well-formed (see contracts'
 * `requestIdHeaderSchema`), so a caller can follow its own id through our logs and upstream;
 * otherwise (absent, repeated, too long, odd characters) one of ours.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  if (typeof header === 'string' && requestIdHeaderSchema.safeParse(header).success) return header;
  return requestIds.next();
}
