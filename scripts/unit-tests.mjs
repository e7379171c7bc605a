// Runs every unit and integration test (*.test.ts / *.test.mjs beside the code) with Node's test runner.
// Node 20's runner takes no globs, so the files are found here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['shared', 'electron', 'bench', 'build', 'scripts'];
const files = [];
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (/\.test\.(ts|mjs)$/.test(entry.name)) files.push(relative(root, path));
  }
}
for (const r of roots) walk(join(root, r));
files.sort();
const filter = process.argv.slice(2);
const chosen = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
if (chosen.length === 0) {
  console.error('unit-tests: no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--experimental-test-module-mocks', '--test', '--test-reporter=spec', ...chosen], {
  cwd: root, stdio: 'inherit',
});
process.exit(result.status ?? 1);
