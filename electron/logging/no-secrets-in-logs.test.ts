// The headless gateway as a real process: it writes <home>/logs/gateway.log, `loopgate status` says where, and
// no secret issued during the run — the gateway token, device tokens (silent pairing, approval, rotation),
// dashboard links and the window's owner credential — appears in any log file, rotated ones included.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectDevice, createIdentity } from '../testing/device-client';
import { LOOPGATE_BIN as bin, startGatewayProcess, type GatewayProcess } from '../testing/gateway-process';

const root = join(import.meta.dirname, '..', '..');
let gw: GatewayProcess;
let home: string;
let url: string;
let port: number;
let stdout: string[];

before(async () => {
  if (!existsSync(join(root, 'dist', 'cli.mjs'))) spawnSync(process.execPath, [join(root, 'build', 'bundle.mjs')], { stdio: 'inherit' });
  gw = await startGatewayProcess('loopgate-logs-', { stderr: 'ignore' });
  ({ home, url, port, lines: stdout } = gw);
  // The start block is printed in one go; wait for its last line.
  await gw.waitForLine((l) => l.startsWith('Log: '));
});
after(async () => {
  await gw.stop();
  await rm(home, { recursive: true, force: true });
});

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args, '--home', home, '--port', String(port)], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const tokensIn = (value: unknown): string[] => [...JSON.stringify(value).matchAll(/"(?:deviceToken|token)":"([A-Za-z0-9_-]{20,})"/g)].map((m) => m[1]!);

test('the start block names the log file; `loopgate status` shows the logs folder', () => {
  assert.ok(stdout.includes(`Log: ${join(home, 'logs', 'gateway.log')}`), stdout.join('\n'));
  assert.match(cli('status'), new RegExp(`^logs: ${join(home, 'logs').replace(/[\\/.]/g, '\\$&')}$`, 'm'));
  assert.equal(JSON.parse(cli('status', '--json')).logs, join(home, 'logs'));
});

test('no token or credential issued during a run is written to any log file', async () => {
  const secrets = new Set<string>();
  const gatewayToken = cli('token');
  secrets.add(gatewayToken);
  // Dashboard links (the owner credential is the fragment): the one printed at start and a fresh one.
  const printedLink = stdout.find((l) => l.startsWith('Dashboard'))!.split('#')[1]!;
  secrets.add(printedLink);
  secrets.add(cli('dashboard').split('#')[1]!);

  // A local device paired silently: its hello carries a device token.
  const local = createIdentity();
  const a = await connectDevice(url, local, { token: gatewayToken, scopes: ['operator.read'], displayName: 'local agent' });
  assert.equal(a.res.ok, true, JSON.stringify(a.res));
  for (const t of tokensIn(a.res.payload)) secrets.add(t);
  a.socket.close();

  // A remote device asks, the owner approves it from the CLI; reconnecting gets its device token.
  const remote = createIdentity();
  const ask = await connectDevice(url, remote, { token: gatewayToken, scopes: ['operator.read'], headers: { Host: 'gateway.example' }, displayName: 'ci runner' });
  const requestId = ask.res.error!.details.requestId as string;
  ask.socket.close();
  assert.match(cli('devices', 'approve', requestId), /^Approved/);
  const b = await connectDevice(url, remote, { token: gatewayToken, scopes: ['operator.read'], headers: { Host: 'gateway.example' } });
  assert.equal(b.res.ok, true, JSON.stringify(b.res));
  for (const t of tokensIn(b.res.payload)) secrets.add(t);
  b.socket.close();

  // Token rotation prints the new token once.
  const rotated = JSON.parse(cli('devices', 'rotate', '--device', local.deviceId, '--role', 'operator')) as { token: string };
  secrets.add(rotated.token);
  // Pause and resume pairing from the CLI's settings path does not matter here; reject one request too.
  const other = createIdentity();
  const ask2 = await connectDevice(url, other, { token: gatewayToken, role: 'node', headers: { Host: 'gateway.example' } });
  ask2.socket.close();
  cli('devices', 'reject', ask2.res.error!.details.requestId as string);

  await gw.stop();

  assert.ok(secrets.size >= 6, `collected ${secrets.size} secrets`);
  for (const s of secrets) assert.match(s, /^[A-Za-z0-9_-]{43}$/);
  const dir = join(home, 'logs');
  const files = readdirSync(dir);
  assert.ok(files.includes('gateway.log'), files.join(', '));
  let all = '';
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    all += text;
    for (const s of secrets) assert.ok(!text.includes(s), `${f} contains a secret`);
  }
  // And the log is useful: it tells what happened.
  assert.match(all, /headless gateway listening on ws:\/\/127\.0\.0\.1:\d+/);
  assert.match(all, new RegExp(`pairing request ${requestId}: device ${remote.deviceId.slice(0, 12)}`));
  assert.match(all, new RegExp(`pairing ${requestId} approved`));
  assert.match(all, /rejected/);
  assert.match(all, /stopping \(SIGTERM\)/);

  // With the gateway stopped, `loopgate status` still says where the logs are.
  const down = spawnSync(process.execPath, [bin, 'status', '--home', home, '--port', String(port)], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /cannot reach the gateway/);
  assert.ok(down.stderr.includes(`logs: ${dir}`), down.stderr);
});
