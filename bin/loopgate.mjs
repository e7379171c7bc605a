#!/usr/bin/env node
// The `loopgate` command: runs the bundled CLI (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('loopgate: not built yet — run `npm run build` (npm install does it for you)\n');
  process.exit(1);
}
const { run } = await import(bundle);
run(process.argv.slice(2));
