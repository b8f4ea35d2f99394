import { publishableBundle } from '../../scripts/publishable-bundle.mjs';

export default publishableBundle(import.meta.dirname, { input: 'src/index.ts', output: 'dist/index.js' });
