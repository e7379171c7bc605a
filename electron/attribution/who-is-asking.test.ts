// Who is asking, end to end on Linux: real child processes connect to a real gateway; the gateway names
// them from /proc, treats another OS user's peer as not local, and asks when a device changes program.
import { after, before, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { copyFile, link, mkdtemp, realpath, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '../testing/device-client';
import { eventually } from '../testing/eventually';
import { startHarness, type Harness } from '../testing/gateway-harness';
import { runPeer } from '../testing/peer-process';
import { asNobodyUnavailable, NOBODY } from '../testing/other-user';

const linux = process.platform === 'linux';
const root = typeof process.getuid === 'function' && process.getuid() === 0;
let h: Harness;
let scratch: string;
let otherNode: string;

before(async () => {
  h = await startHarness({ pendingTtlMs: 60_000, denyCooldownMs: 0 });
  // Another executable: the same node binary under another path (a hard link, or a copy across file systems).
  scratch = await mkdtemp(join(tmpdir(), 'loopgate-exe-'));
  await chmod(scratch, 0o755);
  otherNode = join(scratch, 'node-other');
  await link(process.execPath, otherNode).catch(() => copyFile(process.execPath, otherNode));
  await chmod(otherNode, 0o755);
});
after(async () => {
  await h.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('who is asking (Linux /proc)', { skip: !linux && 'Linux only' }, () => {
  test('a pending request from a child process names its PID, executable, command line and parent', async () => {
    const id = createIdentity();
    // No credential: a request for the user, whatever the program.
    const peer = await runPeer(h.url, id, { scopes: ['operator.read'], displayName: 'reported: Loopgate window' }, { extraArgs: ['--token', 'hunter2-secret', 'OPENAI_API_KEY=sk-abcdefabcdefabcdefabcdef'] });
    try {
      assert.equal(peer.result.ok, false);
      assert.equal(peer.result.error?.details?.code, 'PAIRING_REQUIRED');
      const req = h.gw.pending().find((r) => r.deviceId === id.deviceId);
      assert.ok(req?.attribution, 'the request carries attribution');
      const a = req.attribution;
      assert.equal(a.status, 'found', a.why);
      assert.equal(a.method, 'linux-proc');
      assert.equal(a.process!.pid, peer.child.pid);
      assert.equal(a.process!.exe, await realpath(process.execPath));
      assert.equal(a.process!.name, 'node');
      assert.match(a.process!.cmdline!, /peer-child\.ts/);
      assert.match(a.process!.cmdline!, /--token \*\*\*/);
      assert.doesNotMatch(a.process!.cmdline!, /hunter2|sk-abcdef/);
      assert.equal(a.process!.script, 'peer-child');
      assert.equal(a.process!.parents[0]?.pid, process.pid, 'the parent is this test process');
      assert.equal(a.process!.user, 'root');
      assert.ok(a.process!.startedAtMs! > Date.now() - 60_000 && a.process!.startedAtMs! <= Date.now() + 1000);
      assert.equal(a.sameUser, root ? true : a.sameUser);
      const audit = h.gw.pairing.audit.recent(5).find((e) => e.requestId === req.requestId);
      assert.match(audit?.program ?? '', new RegExp(`^node \\(peer-child\\) · PID ${peer.child.pid}`));
    } finally {
      await peer.stop();
    }
  });

  test('a client run as another OS user holding the gateway token is not paired silently', { skip: asNobodyUnavailable() }, async () => {
    const id = createIdentity();
    const peer = await runPeer(h.url, id, { token: h.token, scopes: ['operator.read'] }, { uid: NOBODY, gid: NOBODY });
    try {
      assert.equal(peer.result.ok, false, 'the gateway token alone does not make another user local');
      assert.equal(peer.result.error?.details?.code, 'PAIRING_REQUIRED');
      assert.equal(h.gw.pairing.store.get(id.deviceId), undefined, 'nothing was paired');
      const req = h.gw.pending().find((r) => r.deviceId === id.deviceId)!;
      assert.equal(req.locality, 'remote');
      assert.equal(req.attribution?.sameUser, false);
      assert.equal(req.attribution?.socketUid, 65534);
      assert.equal(req.attribution?.process?.user, 'nobody');
      // The same client as this user is approved silently, as before.
      const mine = await runPeer(h.url, createIdentity(), { token: h.token, scopes: ['operator.read'] });
      assert.equal(mine.result.ok, true, JSON.stringify(mine.result.error));
      await mine.stop();
    } finally {
      await peer.stop();
    }
  });

  test('a device back from another executable is flagged, and its next silent approval is asked about', async () => {
    const id = createIdentity();
    const first = await runPeer(h.url, id, { token: h.token, scopes: ['operator.read'] });
    assert.equal(first.result.ok, true, JSON.stringify(first.result.error));
    await first.stop();
    const node = await realpath(process.execPath);
    assert.equal(h.gw.pairing.store.get(id.deviceId)?.approvedFrom?.exe, node);

    // A sub-agent of the same program widening itself stays silent.
    const sub = await runPeer(h.url, id, { token: h.token, scopes: ['operator.write'] });
    assert.equal(sub.result.ok, true, JSON.stringify(sub.result.error));
    const deviceToken = sub.result.auth!.deviceToken!;
    await sub.stop();

    // Reconnecting from another executable with what it holds: allowed, and Device detail says so.
    const moved = await runPeer(h.url, id, { deviceToken, scopes: ['operator.write'] }, { exe: otherNode });
    try {
      assert.equal(moved.result.ok, true, JSON.stringify(moved.result.error));
      await eventually(() => h.gw.pairing.view(h.gw.pairing.store.get(id.deviceId)!).programChanged === true, 'the device flagged as changed program');
      const view = h.gw.pairing.view(h.gw.pairing.store.get(id.deviceId)!);
      assert.equal(view.approvedFrom?.exe, node);
      assert.equal(view.lastFrom?.exe, otherNode);
      assert.equal(view.lastFrom?.pid, moved.child.pid);
    } finally {
      await moved.stop();
    }

    // Asking for more from the other executable: a request showing both programs, not a silent approval.
    const asks = await runPeer(h.url, id, { token: h.token, scopes: ['operator.admin'] }, { exe: otherNode });
    try {
      assert.equal(asks.result.ok, false, 'program pinning holds the silent approval');
      const req = h.gw.pending().find((r) => r.deviceId === id.deviceId)!;
      assert.equal(req.programChanged, true);
      assert.equal(req.approvedFrom?.exe, node);
      assert.equal(req.attribution?.process?.exe, otherNode);
      assert.equal(req.attribution?.process?.warning, 'temp-folder');
    } finally {
      await asks.stop();
    }

    // With the setting off, the same ask is approved silently again.
    await h.gw.setConfig('programPinning', false);
    try {
      const again = await runPeer(h.url, id, { token: h.token, scopes: ['operator.admin'] }, { exe: otherNode });
      assert.equal(again.result.ok, true, JSON.stringify(again.result.error));
      await again.stop();
    } finally {
      await h.gw.setConfig('programPinning', true);
    }
  });

  test('a connection that is gone is "exited"; the listener on our port is this process', async () => {
    const gone = await h.gw.attributor.peer(1, h.gw.port);
    assert.equal(gone.status, 'exited');
    const holder = await h.gw.attributor.listener(h.gw.port);
    assert.equal(holder.status, 'found', holder.why);
    assert.equal(holder.process?.pid, process.pid);
  });
});

describe('Loopgate names its own parts (Linux)', { skip: !linux && 'Linux only' }, () => {
  test('a decision made with `loopgate devices approve` is recorded as made by the Loopgate CLI, with its PID', async () => {
    const id = createIdentity();
    const peer = await runPeer(h.url, id, { scopes: ['operator.read'], displayName: 'cli-approved' });
    await peer.stop();
    const requestId = peer.result.error?.details?.requestId as string;
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'loopgate.mjs');
    // `loopgate devices list` (and --json) show the program; `loopgate status` the method.
    // The gateway runs in this process: the CLI must run without blocking it.
    const cliRun = async (args: string[]): Promise<{ stdout: string }> => {
      const c = spawn(process.execPath, [bin, ...args, '--url', h.url, '--token', h.token], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      c.stdout!.on('data', (d) => (stdout += String(d)));
      await once(c, 'exit');
      return { stdout };
    };
    const list = await cliRun(['devices', 'list']);
    assert.match(list.stdout, new RegExp(`${requestId}.*node \\(peer-child\\) · PID ${peer.child.pid}`));
    const json = JSON.parse((await cliRun(['devices', 'list', '--json'])).stdout);
    assert.equal(json.pending.find((r: { requestId: string }) => r.requestId === requestId)?.attribution?.process?.pid, peer.child.pid);
    const status = await cliRun(['status']);
    assert.match(status.stdout, /^attribution: linux-proc \(Linux \/proc: /m);
    assert.match(status.stdout, /^programPinning: true$/m);
    const cli = spawn(process.execPath, [bin, 'devices', 'approve', requestId, '--url', h.url, '--token', h.token], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stderr!.on('data', (d) => (out += String(d)));
    const [code] = await once(cli, 'exit');
    assert.equal(code, 0, out);
    const entry = h.gw.pairing.audit.recent(20).find((e) => e.requestId === requestId && e.decision === 'approved');
    assert.match(entry?.by ?? '', new RegExp(`^gateway token holder \\(loopgate-cli\\) via Loopgate CLI \\(node\\) · PID ${cli.pid}$`));
  });

  test('the per-source cap counts loopback peers per program, not per address', async () => {
    const limits = h.gw.config.get().limits;
    for (const r of h.gw.pending()) await h.gw.reject(r.requestId);
    await h.gw.setConfig('limits.pendingPerAddress', 2);
    const peers = [];
    try {
      // Two requests from one program fill its share…
      for (let i = 0; i < 2; i++) peers.push(await runPeer(h.url, createIdentity(), { scopes: ['operator.read'] }));
      const third = await runPeer(h.url, createIdentity(), { scopes: ['operator.read'] });
      peers.push(third);
      assert.equal(third.result.error?.details?.code, 'PAIRING_RATE_LIMITED');
      assert.match(third.result.error?.message ?? '', /too many pending pairing requests from node \(PID \d+\)/);
      // …while another program on the same address still gets through.
      const other = await runPeer(h.url, createIdentity(), { scopes: ['operator.read'] }, { exe: otherNode });
      peers.push(other);
      assert.equal(other.result.error?.details?.code, 'PAIRING_REQUIRED');
    } finally {
      for (const p of peers) await p.stop();
      for (const r of h.gw.pending()) await h.gw.reject(r.requestId);
      await h.gw.setConfig('limits.pendingPerAddress', limits.pendingPerAddress);
    }
  });
});

describe('the dashboard is named as Loopgate (Linux)', { skip: !linux && 'Linux only' }, () => {
  test('presence names the headless dashboard in a browser by what it is', async () => {
    const { connectDevice } = await import('../testing/device-client');
    const dashboard = await connectDevice(h.url, null, { token: h.gw.issueOwnerCredential(), clientId: 'openclaw-control-ui', clientMode: 'webchat', headers: { Origin: `http://127.0.0.1:${h.gw.port}` } });
    assert.equal(dashboard.res.ok, true, JSON.stringify(dashboard.res.error));
    try {
      // Traced right after the handshake, without holding up its calls: presence names it once the lookup is done.
      let program = '';
      for (const end = Date.now() + 5000; !program && Date.now() < end;) {
        const presence = (await dashboard.socket.call('system-presence')) as Array<{ clientId: string; program?: string }>;
        program = presence.find((p) => p.clientId === 'openclaw-control-ui')?.program ?? '';
      }
      assert.match(program, new RegExp(`^Loopgate dashboard \\(node\\) · PID ${process.pid}$`));
    } finally {
      dashboard.socket.close();
    }
  });

  test('the Origin of the dashboard or the window is a claim: without the owner credential it names nobody as Loopgate', async () => {
    const { connectDevice } = await import('../testing/device-client');
    for (const origin of [`http://127.0.0.1:${h.gw.port}`, `http://localhost:${h.gw.port}`]) {
      const seen = eventuallyRequest();
      const r = await connectDevice(h.url, createIdentity(), { clientId: 'webchat-ui', clientMode: 'webchat', displayName: 'Loopgate dashboard', headers: { Origin: origin } });
      assert.equal(r.res.ok, false, 'a browser page is never silently paired');
      const req = await seen;
      assert.equal(req.attribution?.status, 'found', JSON.stringify(req.attribution));
      assert.equal(req.attribution?.process?.known, undefined, `named as ${req.attribution?.process?.known} from ${origin}`);
      assert.equal(req.attribution?.process?.pid, process.pid);
      r.socket.close();
    }
  });
});

/** The next pairing request the gateway queues. */
function eventuallyRequest(): Promise<{ attribution?: { status: string; process?: { known?: string; pid: number } } }> {
  return new Promise((resolve) => {
    const off = h.gw.on('request', (req) => {
      off();
      resolve(req as never);
    });
  });
}
