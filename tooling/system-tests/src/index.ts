export {
  childPids,
  isAlive,
  nonJsonLines,
  repoRoot,
  startSystem,
  worldWritable,
  type StartedSystem,
} from './start-process.js';
export { createOrgWithCli, runCli, type CliOrg } from './cli.js';
export { api, dataOf, readiness, type ApiResult } from './api.js';
export { DataDirs, TestRun, interrupt, readyStatus, waitUntilReady, type Interrupted } from './lifecycle.js';
export { connectAsRole, localNatsUser } from './nats.js';
