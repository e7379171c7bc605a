// `npm start` where the Electron runtime is missing: the headless gateway with its dashboard link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..');

test('without the Electron binary, npm start runs the headless gateway and prints the dashboard link', { skip: existsSync(join(root, 'node_modules', 'electron', 'dist')) && 'an Electron runtime is installed here' }, async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-start-'));
  const child = spawn(process.execPath, [join(root, 'bin', 'start.mjs'), '--port', '0', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (line.startsWith('Dashboard')) break;
  }
  assert.match(lines[0]!, /Electron runtime not installed here: starting the headless gateway instead/);
  assert.match(lines[1]!, /^Loopgate gateway listening on ws:\/\/127\.0\.0\.1:\d+$/);
  const port = /:(\d+)$/.exec(lines[1]!)![1];
  assert.match(lines[2]!, new RegExp(`^Dashboard \\(one-time link, keep it private\\): http://127\\.0\\.0\\.1:${port}/#[A-Za-z0-9_-]{43}$`));
  const page = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(page.status, existsSync(join(root, 'dist', 'renderer', 'index.html')) ? 200 : 404);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
