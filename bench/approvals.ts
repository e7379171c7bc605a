// Exec approval round trip without the human: a requester's exec.approval.request (two-phase) → the approval
// client receives exec.approval.requested → it resolves → the requester receives the decision frame, measured
// against the headless gateway process with 100 other requests pending.
import { connectDevice, type TestSocket } from '../electron/testing/device-client';
import { summarize } from './stats';

async function client(url: string, token: string, scopes: string[], caps: string[] = []): Promise<TestSocket> {
  const r = await connectDevice(url, null, { token, scopes, clientId: 'gateway-client', clientMode: 'backend', tamper: (p) => { p.caps = caps; } });
  if (!r.res.ok) throw new Error(`connect failed: ${JSON.stringify(r.res.error)}`);
  return r.socket;
}

function params(i: number) {
  const argv = ['/usr/bin/echo', `bench-${i}`];
  return {
    systemRunPlan: { argv, cwd: '/tmp', commandText: argv.join(' '), commandPreview: null, agentId: 'main', sessionKey: 'agent:main:main' },
    host: 'node', nodeId: 'bench-node', twoPhase: true,
  };
}

export async function approvalRoundTripMs(url: string, token: string, pending = 100, samples = 200): Promise<{ median: number; p99: number }> {
  const approver = await client(url, token, ['operator.admin', 'operator.approvals'], ['exec-approvals']);
  const backlog = await client(url, token, ['operator.approvals']);
  const requester = await client(url, token, ['operator.approvals']);
  for (let i = 0; i < pending; i++) backlog.send({ type: 'req', id: `b${i}`, method: 'exec.approval.request', params: params(i) });
  await backlog.next((f) => f.type === 'res' && f.id === `b${pending - 1}`, 30_000);
  const times: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const id = `m${i}`;
    const t0 = performance.now();
    requester.send({ type: 'req', id, method: 'exec.approval.request', params: params(10_000 + i) });
    const asked = await approver.next((f) => f.event === 'exec.approval.requested' && f.payload.request.command === `/usr/bin/echo bench-${10_000 + i}`);
    approver.send({ type: 'req', id: `r${i}`, method: 'exec.approval.resolve', params: { id: asked.payload.id, decision: 'allow-once' } });
    await requester.next((f) => f.type === 'res' && f.id === id && f.payload?.decision === 'allow-once');
    if (i >= 20) times.push(performance.now() - t0); // the first ones warm the JIT
    // Keep the frame buffers small so a search never dominates what is measured.
    approver.frames.length = 0;
    requester.frames.length = 0;
  }
  for (const s of [approver, backlog, requester]) s.close();
  const s = summarize(times);
  return { median: s.median, p99: s.p99 };
}
