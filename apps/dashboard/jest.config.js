import { jestConfig } from '../../jest.config.base.js';

// The browser suite boots the whole system and drives Chromium: one file at a time, generous timeout.
export default jestConfig(import.meta.dirname, { testTimeout: 60_000 });
