/** Exit codes of the CLI: scripts can tell bad input from an unreachable service. */
export const ExitCode = {
  Ok: 0,
  /** The key-service refused the request (not found, conflict, …). */
  Failed: 1,
  /** Bad command line or input; nothing was sent. */
  Usage: 2,
  /** NATS or the key-service cannot be reached. */
  Unavailable: 3,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class UnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}
