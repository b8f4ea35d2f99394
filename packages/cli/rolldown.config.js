import { publishableBundle } from '../../scripts/publishable-bundle.mjs';

// The source's `#!/usr/bin/env node` line is kept at the top of the bundle.
export default publishableBundle(import.meta.dirname, { input: 'src/main.ts', output: 'dist/main.js' });
