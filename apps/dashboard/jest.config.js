import path from 'node:path';
import { jestConfig } from '../../jest.config.base.js';

const root = path.resolve(import.meta.dirname, '../..');
// The browser suite boots the whole system and drives Chromium: generous timeout, the gateway
// tested from source like the other workspace packages.
const config = jestConfig(import.meta.dirname, { testTimeout: 60_000 });
config.moduleNameMapper = {
  '^@plexmcp/api-gateway$': path.join(root, 'apps/api-gateway/src/index.ts'),
  ...config.moduleNameMapper,
};
export default config;
