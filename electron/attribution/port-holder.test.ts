// Who holds the gateway's port, through `loopgate gateway` as a user runs it: an OpenClaw-like gateway (a
// WebSocket server that sends connect.challenge) and a plain program that is no gateway at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';
import { Attributor } from './attributor';
import { answersAsOpenClawGateway, portTakenSentence, whoHoldsPort } from './port-holder';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'loopgate.mjs');
let home: string;

before(async () => {
  if (!existsSync(join(root, 'dist', 'cli.mjs'))) spawnSync(process.execPath, [join(root, 'build', 'bundle.mjs')], { stdio: 'inherit' });
  home = await mkdtemp(join(tmpdir(), 'loopgate-port-'));
});
after(() => rm(home, { recursive: true, force: true }));

/** `loopgate gateway --port N` as a real process; its exit code and what it said. */
async function runGateway(port: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [bin, 'gateway', '--port', String(port), '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  child.stdout!.on('data', (d) => (stdout += String(d)));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr, stdout };
}

/** A plain program (no gateway) listening on a port, in a process of its own. */
async function plainListener(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', "const s=require('node:net').createServer((c)=>c.end('hello\\n')).listen(0,'127.0.0.1',()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, port: Number(line) };
}

describe('who holds the port', () => {
  test('an OpenClaw-like gateway on the port: named, recognised, attach or another port offered; exit 1', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws) => ws.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n-1', ts: Date.now() } })));
    await once(wss, 'listening');
    const port = (wss.address() as { port: number }).port;
    try {
      assert.equal(await answersAsOpenClawGateway(port), true);
      const r = await runGateway(port);
      assert.equal(r.code, 1);
      assert.equal(r.stdout.includes('listening'), false);
      const line = r.stderr.trim();
      assert.equal(line.split('\n').length, 1, 'one sentence');
      assert.match(line, new RegExp(`^loopgate: Port ${port} on 127\\.0\\.0\\.1 is held by node \\(.*\\) \\(PID ${process.pid}, [^)]*node\\), which answers as an OpenClaw gateway: `));
      assert.match(line, /`loopgate attach`/);
      assert.match(line, /`loopgate gateway --attach`/);
      assert.match(line, /`--port \d+` \(free now\)\.$/);
    } finally {
      wss.close();
    }
  });

  test('a plain program on the port: named with its PID, said not to be a gateway; exit 1', async () => {
    const { child, port } = await plainListener();
    try {
      assert.equal(await answersAsOpenClawGateway(port), false);
      const r = await runGateway(port);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is held by node \\(PID ${child.pid}, `));
      assert.match(r.stderr, /which does not answer as an OpenClaw gateway: stop that program, or run Loopgate's own gateway on another port with `--port \d+`/);
      assert.doesNotMatch(r.stderr, /loopgate attach/);
    } finally {
      child.kill();
    }
  });

  test('the tray wording offers a free port saved in Settings; an unidentifiable holder is said so', async () => {
    const { child, port } = await plainListener();
    try {
      const holder = await whoHoldsPort(port, new Attributor(null));
      assert.equal(holder.kind, 'other');
      assert.ok(holder.freePort && holder.freePort !== port);
      assert.equal(portTakenSentence(holder, 'tray'), `Port ${port} on 127.0.0.1 is held by a program this system does not let Loopgate identify, which does not answer as an OpenClaw gateway: stop that program, or move Loopgate's own gateway to free port ${holder.freePort} (saved in Settings).`);
    } finally {
      child.kill();
    }
  });

  test('the probe never hangs on a silent or closed port', async () => {
    const t = performance.now();
    assert.equal(await answersAsOpenClawGateway(1, 500), false);
    assert.ok(performance.now() - t < 1500);
  });
});
