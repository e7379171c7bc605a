// The CLI contract, run as a real process: the start line, the token, a taken port, SIGTERM within 1 s.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'loopgate.mjs');

before(() => {
  if (!existsSync(join(root, 'dist', 'cli.mjs'))) spawnSync(process.execPath, [join(root, 'build', 'bundle.mjs')], { stdio: 'inherit' });
});

async function startGateway(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; lines: string[]; port: number }> {
  const child = spawn(process.execPath, [bin, 'gateway', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  for await (const line of rl) {
    lines.push(line);
    const m = /^Loopgate gateway listening on ws:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
    if (m) return { child, lines, port: Number(m[1]) };
  }
  throw new Error(`gateway exited before listening: ${lines.join('\n')}`);
}

test('gateway prints its one line, a dashboard link, and stops on SIGTERM within 1 s', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-cli-'));
  const t0 = Date.now();
  const { child, port } = await startGateway(['--port', '0', '--home', home]);
  const ready = Date.now() - t0;
  assert.ok(port > 0);
  assert.ok(ready < 3000, `ready in ${ready} ms`);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  const token = (await readFile(join(home, 'gateway-token'), 'utf8')).trim();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal((await stat(join(home, 'gateway-token'))).mode & 0o777, 0o600);
  assert.equal((await stat(home)).mode & 0o777, 0o700);
  const printed = spawnSync(process.execPath, [bin, 'token', '--home', home], { encoding: 'utf8' });
  assert.equal(printed.stdout.trim(), token);
  const status = spawnSync(process.execPath, [bin, 'status', '--json', '--home', home, '--port', String(port)], { encoding: 'utf8' });
  assert.equal(status.status, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).port, port);
  const t1 = Date.now();
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.ok(Date.now() - t1 < 1000, `stopped in ${Date.now() - t1} ms`);
});

test('LOOPGATE_HOME and LOOPGATE_PORT do what the flags do', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-cli-'));
  const free = createServer();
  free.listen(0, '127.0.0.1');
  await once(free, 'listening');
  const want = (free.address() as { port: number }).port;
  free.close();
  await once(free, 'close');
  const { child, port } = await startGateway([], { LOOPGATE_HOME: home, LOOPGATE_PORT: String(want) });
  assert.equal(port, want);
  assert.ok(existsSync(join(home, 'gateway-token')));
  child.kill('SIGTERM');
  await once(child, 'exit');
});

test('a taken port exits non-zero with a clear message', async () => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = (blocker.address() as { port: number }).port;
  const home = await mkdtemp(join(tmpdir(), 'loopgate-cli-'));
  const r = spawnSync(process.execPath, [bin, 'gateway', '--port', String(port), '--home', home], { encoding: 'utf8', timeout: 10_000 });
  blocker.close();
  assert.equal(r.status, 1);
  // Who holds it is named (this test process) and the choices offered: never a bare "port in use".
  assert.match(r.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is held by .*PID ${process.pid}`));
  assert.match(r.stderr, /--port \d+/);
  assert.equal(r.stdout.includes('listening'), false);
});

test('bad arguments get a usage error; an unreachable gateway a clear one', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loopgate-cli-'));
  const bad = spawnSync(process.execPath, [bin, 'gateway', '--port', 'eighty', '--home', home], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid port: eighty/);
  const unknown = spawnSync(process.execPath, [bin, 'frobnicate', '--home', home, '--port', '1'], { encoding: 'utf8' });
  assert.notEqual(unknown.status, 0);
  const down = spawnSync(process.execPath, [bin, 'devices', 'list', '--home', home, '--port', '1'], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /cannot reach the gateway at ws:\/\/127\.0\.0\.1:1/);
});
