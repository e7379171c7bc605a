#!/usr/bin/env node
// `npm start`: the tray app when the Electron runtime is installed, otherwise the headless gateway with its
// dashboard link. Never load the electron package here: in plain Node that would try to download the binary.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const electronDir = join(root, 'node_modules', 'electron');
let electronBinary;
try {
  const rel = readFileSync(join(electronDir, 'path.txt'), 'utf8').trim();
  const candidate = join(electronDir, 'dist', rel);
  if (existsSync(candidate)) electronBinary = candidate;
} catch {
  // no Electron runtime on this machine
}

const child = electronBinary
  ? spawn(electronBinary, [join(root, 'dist', 'electron', 'main.cjs'), ...process.argv.slice(2)], { stdio: 'inherit' })
  : (process.stdout.write('Electron runtime not installed here: starting the headless gateway instead.\n'),
    spawn(process.execPath, [join(root, 'bin', 'loopgate.mjs'), 'gateway', ...process.argv.slice(2)], { stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
