// Bundles the Node-side entry points with esbuild (run by `npm run build`, before vite builds the renderer):
//   electron/cli/main.ts      → dist/cli.mjs               (plain Node ESM, every npm dep inlined)
//   electron/app/main.ts      → dist/electron/main.cjs     (Electron main; only 'electron' stays external)
//   electron/app/preload.ts   → dist/electron/preload.cjs  (sandboxed preload: one CJS file that requires only 'electron')
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (p) => join(root, p);
const started = Date.now();

const common = {
  bundle: true,
  platform: 'node',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
};

const jobs = [];

if (existsSync(at('electron/cli/main.ts'))) {
  jobs.push(build({
    ...common,
    entryPoints: [at('electron/cli/main.ts')],
    outfile: at('dist/cli.mjs'),
    format: 'esm',
    target: 'node20',
    // CJS dependencies (ws) call require() for Node built-ins; an ESM bundle has no require of its own.
    banner: { js: "import { createRequire as __loopgateCreateRequire } from 'module'; const require = __loopgateCreateRequire(import.meta.url);" },
  }));
} else {
  console.warn('build/bundle.mjs: electron/cli/main.ts not found yet; skipping dist/cli.mjs');
}

jobs.push(build({
  ...common,
  entryPoints: [at('electron/app/main.ts')],
  outfile: at('dist/electron/main.cjs'),
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  // The sources are ESM; in the CJS bundle the module's folder is __dirname.
  define: { 'import.meta.dirname': '__dirname' },
}));

jobs.push(build({
  ...common,
  entryPoints: [at('electron/app/preload.ts')],
  outfile: at('dist/electron/preload.cjs'),
  format: 'cjs',
  target: 'chrome140',
  external: ['electron'],
}));

const results = await Promise.allSettled(jobs);
const failed = results.filter((r) => r.status === 'rejected');
for (const f of failed) console.error(f.reason?.message ?? f.reason);
if (failed.length) process.exit(1);
if (process.env.LOOPGATE_BUILD_VERBOSE) console.log(`bundled in ${Date.now() - started} ms`);
