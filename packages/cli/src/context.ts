import { AppError } from '@plexmcp/contracts';
import { ExitCode, UnavailableError, UsageError } from './errors.js';
import { cliNatsSettings } from './nats-credentials.js';
import { RpcCaller } from './rpc.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/**
 * What a command's action gets: the output streams, one NATS connection opened on first use (a
 * command that fails its own checks never connects) and closed when the invocation ends, and the
 * exit code a command that reports its own failures sets.
 */
export class CommandContext {
  exitCode: number = ExitCode.Ok;
  private caller: Promise<RpcCaller> | undefined;

  constructor(readonly io: CliIo) {}

  rpc(): Promise<RpcCaller> {
    this.caller ??= RpcCaller.connect(cliNatsSettings(this.io.env));
    return this.caller;
  }

  /** Prints `value` as one line of JSON (`--json`), else the lines `human` gives. */
  print(json: boolean | undefined, value: unknown, human: () => string[]): void {
    if (json) {
      this.io.stdout(`${JSON.stringify(value)}\n`);
      return;
    }
    const lines = human();
    if (lines.length > 0) this.io.stdout(`${lines.join('\n')}\n`);
  }

  /**
   * Prints why a command failed (one JSON object `{"error": {code, message, details?, service?}}`
   * with `--json`) and answers its exit code; `service` names who refused, when known.
   */
  report(err: unknown, json: boolean | undefined, service?: string): number {
    const { exitCode, code, message, details } = classify(err);
    if (json) {
      const error = { code, message, ...(details ? { details } : {}), ...(service ? { service } : {}) };
      this.io.stderr(`${JSON.stringify({ error })}\n`);
    } else {
      const from = service ? `${service}: ` : '';
      const lines = details?.map((d) => `\n  ${d.field || 'input'}: ${d.message}`).join('') ?? '';
      const prefix = code === 'usage' || code === 'unavailable' ? '' : `${code}: `;
      this.io.stderr(`plexmcp: ${from}${prefix}${message}${lines}\n`);
    }
    return exitCode;
  }

  async close(): Promise<void> {
    const caller = await this.caller?.catch(() => undefined);
    await caller?.close();
  }
}

interface Failure {
  exitCode: number;
  /** A wire error code, or `usage` / `unavailable` for the CLI's own failures. */
  code: string;
  message: string;
  details?: { field: string; message: string }[] | undefined;
}

function classify(err: unknown): Failure {
  if (err instanceof UsageError) return { exitCode: ExitCode.Usage, code: 'usage', message: err.message };
  if (err instanceof UnavailableError) {
    return { exitCode: ExitCode.Unavailable, code: 'unavailable', message: err.message };
  }
  if (err instanceof AppError) {
    const exitCode =
      err.code === 'validation_error'
        ? ExitCode.Usage
        : err.code === 'service_unavailable'
          ? ExitCode.Unavailable
          : ExitCode.Failed;
    return { exitCode, code: err.code, message: err.message, details: err.details };
  }
  return {
    exitCode: ExitCode.Failed,
    code: 'unexpected_error',
    message: err instanceof Error ? err.message : String(err),
  };
}

/** `--org` of the commands that act inside one organization, as the key-service takes it. */
export function operatorActor(orgId: string | undefined): { org_id: string; key_id: null; ip: null } {
  if (orgId === undefined) throw new UsageError('--org is required');
  return { org_id: orgId, key_id: null, ip: null };
}
