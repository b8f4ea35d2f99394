import { runCli } from '../../src/run.js';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `plexmcp …` command in-process against the NATS at `natsUrl`, with what it printed. */
export async function cli(natsUrl: string, ...argv: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { NATS_URL: natsUrl },
  });
  return { code, stdout, stderr };
}
