// Before the e2e run: make sure dist/ is built, and rebuild the renderer when its sources are newer than the build.
import { build } from 'vite';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ROOT, rendererIsStale } from './gateway-process';

export default async function globalSetup(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli.mjs'))) throw new Error('dist/cli.mjs is missing: run `npm run build` before the e2e tests');
  if (process.env.LOOPGATE_E2E_NO_BUILD !== '1' && rendererIsStale()) {
    await build({ configFile: join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
}
