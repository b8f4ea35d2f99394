// The build of a package published to npm (the SDK, the CLI): one ESM file in which the workspace
// code it imports (@plexmcp/contracts, service-kit helpers) is inlined, so the published
// package.json names only public dependencies. Every other package stays an import, and the build
// fails if one that survives tree-shaking is not among the package's `dependencies`.
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const WORKSPACE = /^@plexmcp\//;
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** The package a bare specifier names (`zod/v4` → `zod`, `@scope/pkg/sub` → `@scope/pkg`). */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * A rolldown options object for the package in `dir`: `input` (its source entry) bundled into
 * `output`, for Node, as ESM.
 */
export function publishableBundle(dir, { input, output }) {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
  for (const dep of dependencies) {
    if (WORKSPACE.test(dep)) {
      throw new Error(`${pkg.name}: ${dep} is private; list it in devDependencies (it is bundled)`);
    }
  }
  const isBare = (id) => !id.startsWith('.') && !path.isAbsolute(id) && !id.startsWith('\0');
  return {
    input: path.join(dir, input),
    platform: 'node',
    external: (id) => BUILTINS.has(id) || (isBare(id) && !WORKSPACE.test(id)),
    // Workspace modules have no side effects at import: what the package does not use is left out.
    treeshake: {
      moduleSideEffects: (id, external) =>
        external || !/[\\/]packages[\\/](contracts|service-kit)[\\/]/.test(id),
    },
    output: { file: path.join(dir, output), format: 'esm' },
    plugins: [
      {
        name: 'public-dependencies-only',
        generateBundle(_options, bundle) {
          for (const chunk of Object.values(bundle)) {
            if (chunk.type !== 'chunk') continue;
            for (const imported of chunk.imports) {
              if (BUILTINS.has(imported)) continue;
              if (!dependencies.has(packageOf(imported))) {
                this.error(`${pkg.name} imports ${imported}, which is not in its dependencies`);
              }
            }
          }
        },
      },
    ],
  };
}
