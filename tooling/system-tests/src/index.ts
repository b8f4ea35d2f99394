export { isAlive, repoRoot, startSystem, type StartedSystem } from './start-process.js';
