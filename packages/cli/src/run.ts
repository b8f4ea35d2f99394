import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { type CliIo, CommandContext } from './context.js';
import { ExitCode } from './errors.js';
import { registerKeysCommands } from './keys-commands.js';
import { DEFAULT_NATS_URL } from './nats-credentials.js';
import { registerOrgCommands } from './org-commands.js';
import { registerSecretsCommands } from './secrets-commands.js';

export type { CliIo } from './context.js';

/** The package's own version, the one `plexmcp --version` prints. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const ENVIRONMENT = `
Every command talks to the services over internal NATS: NATS_URL (default ${DEFAULT_NATS_URL}), as the
ops user: NATS_USER and NATS_PASSWORD, NATS_CREDS or NATS_TOKEN, NATS_TLS_CA/CERT/KEY; unset, the
credentials that \`pnpm start\` generated in $PLEXMCP_DATA_DIR (default ./.plexmcp).

With --json a command prints one JSON object on stdout, and a failure one {"error": {...}} on stderr.
Exit codes: 0 ok, 1 refused by a service, 2 invalid input, 3 NATS or a service unreachable.
`;

/** The whole command tree; each area registers its commands (see *-commands.ts). */
function buildProgram(ctx: CommandContext): Command {
  const program = new Command('plexmcp')
    .description("PlexMCP's operator command line: organizations, their keys and the secrets at rest.")
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text),
      outputError: (text, write) => write(`plexmcp: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', ENVIRONMENT);
  registerOrgCommands(program, ctx);
  registerKeysCommands(program, ctx);
  registerSecretsCommands(program, ctx);
  return program;
}

/** Runs one CLI invocation and returns its exit code; all output goes through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CommandContext(io);
  const program = buildProgram(ctx);
  if (argv.length === 0) {
    io.stderr(program.helpInformation() + ENVIRONMENT);
    return ExitCode.Usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version asked for exit 0; a malformed command line (already explained) exits 2.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? ExitCode.Ok
        : ExitCode.Usage;
    }
    return ctx.report(err, argv.includes('--json'));
  } finally {
    await ctx.close();
  }
}
