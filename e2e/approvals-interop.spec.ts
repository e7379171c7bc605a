// End to end with the real `openclaw node run` (Node 24 and the published OpenClaw in the interop scratch folder,
// as `npm run test:interop` uses): a node whose policy asks; its declared commands approved in the window; an
// operator invokes system.run `echo hi`; the request shows in the window, Allow once returns `hi`, Deny returns
// a refusal. Skipped, saying why, where the scratch folder is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestSocket } from '../electron/testing/device-client';
import { test, expect, goTo } from './gateway-fixture';

const SCRATCH = process.env.LOOPGATE_INTEROP_DIR ?? '/tmp/loopgate-interop';
const NODE24 = join(SCRATCH, 'node_modules', 'node', 'bin', 'node');
const OPENCLAW = join(SCRATCH, 'node_modules', 'openclaw', 'openclaw.mjs');
const missing = !existsSync(NODE24) || !existsSync(OPENCLAW);

test.skip(missing, `needs Node 24 and openclaw in ${SCRATCH} (run \`npm run test:interop\` once to install them)`);

/** A scratch HOME for the node host, offline, with no ambient OpenClaw settings. */
function nodeEnv(home: string, token: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1', FORCE_COLOR: '0', OPENCLAW_GATEWAY_TOKEN: token };
  for (const k of Object.keys(env)) if (k.startsWith('OPENCLAW_') && k !== 'OPENCLAW_GATEWAY_TOKEN') delete env[k];
  return env;
}

/** Start the node host; resolves once it says it is connected. */
function startNode(home: string, port: number, token: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(NODE24, [OPENCLAW, 'node', 'run', '--host', '127.0.0.1', '--port', String(port), '--no-tls', '--display-name', 'e2e-node'], {
    env: nodeEnv(home, token), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node host not connected after 90 s:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      // eslint-disable-next-line no-control-regex -- ANSI colours off the log lines
      if (/node host gateway connected/.test(out.replace(/\u001b\[[0-9;]*m/g, ''))) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`node host exited (${code}):\n${out}`)); });
  });
}

function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 3000).unref();
  });
}

/** node.invoke sent now; its answer awaited later (it waits for the user's decision). */
function invoke(op: TestSocket, nodeId: string, command: string, params: Record<string, unknown>) {
  const id = `inv-${randomUUID()}`;
  op.send({ type: 'req', id, method: 'node.invoke', params: { nodeId, command, params, timeoutMs: 60_000, idempotencyKey: randomUUID() } });
  return op.next((f) => f.type === 'res' && f.id === id, 60_000);
}

test('the real node host: its commands approved in the window, Allow once returns hi, Deny refuses', async ({ dashboard: page, gateway }) => {
  // openclaw starts slowly on a busy machine (its own SQLite, plugins): generous limits.
  test.setTimeout(240_000);
  const home = mkdtempSync(join(tmpdir(), 'loopgate-e2e-nodehost-'));
  const cwd = realpathSync(tmpdir());
  let node: ChildProcess | null = null;
  try {
    // The node's own policy: allowlist with ask on a miss (nothing is allowlisted, so echo asks).
    const policy = JSON.stringify({ version: 1, defaults: { security: 'allowlist', ask: 'on-miss', askFallback: 'deny' } });
    const set = spawnSync(NODE24, [OPENCLAW, 'approvals', 'set', '--stdin'], { env: nodeEnv(home, gateway.token), input: policy, encoding: 'utf8', timeout: 60_000 });
    expect(set.status, `${set.stdout}\n${set.stderr}`).toBe(0);

    const started = await startNode(home, gateway.port, gateway.token);
    node = started.child;

    // Its declared commands wait for the user: approve them in the window.
    await goTo(page, 'approvals');
    const nodeCard = page.getByTestId('node-request-card');
    await expect(nodeCard).toHaveCount(1, { timeout: 15_000 });
    await expect(nodeCard).toContainText('system.run');
    await nodeCard.getByRole('button', { name: 'Approve commands' }).click();
    await expect(nodeCard).toHaveCount(0);

    const op = await gateway.admin();
    const nodes = (await op.call('node.list', {})) as { nodes: Array<{ nodeId: string; connected?: boolean; displayName?: string }> };
    const entry = nodes.nodes.find((n) => n.displayName === 'e2e-node' && n.connected);
    expect(entry, JSON.stringify(nodes)).toBeTruthy();
    const nodeId = entry!.nodeId;
    const run = { command: ['echo', 'hi'], rawCommand: 'echo hi', cwd, agentId: 'main', sessionKey: 'agent:main:main' };

    // Allow once: the node runs it and the operator gets its output.
    const allowed = invoke(op, nodeId, 'system.run', run);
    const card = page.getByTestId('approval-card');
    await expect(card).toHaveCount(1, { timeout: 15_000 });
    await expect(card.getByTestId('approval-command').first()).toContainText('echo hi');
    await expect(card).toContainText(cwd);
    await expect(card.getByRole('button', { name: 'Deny' })).toBeFocused();
    await card.getByRole('button', { name: 'Allow once' }).click();
    const ok = await allowed;
    expect(ok.ok, JSON.stringify(ok.error)).toBe(true);
    expect(ok.payload.payload?.stdout ?? ok.payload.stdout).toBe('hi\n');

    // Deny: nothing runs, the operator is refused.
    const denied = invoke(op, nodeId, 'system.run', run);
    await expect(card).toHaveCount(1, { timeout: 15_000 });
    await card.getByRole('button', { name: 'Deny' }).click();
    const no = await denied;
    expect(no.ok).toBe(false);
    expect(`${no.error?.code} ${no.error?.message}`).toMatch(/den/i);
  } finally {
    if (node) await stopNode(node);
    rmSync(home, { recursive: true, force: true });
  }
});
