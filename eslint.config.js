// ESLint looks for its config from the linted files upwards; the config itself lives in
// tooling/eslint with its own TypeScript 6 (see tooling/eslint/package.json).
export { default } from './tooling/eslint/eslint.config.js';
