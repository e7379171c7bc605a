// A client that asks for exec approvals over a real socket, as an agent runtime would: exec.approval.request
// with twoPhase, the `accepted` frame awaited, the final decision frame handed back as a promise.
import { randomUUID } from 'node:crypto';
import { connectDevice, type Frame, type TestSocket } from './device-client';

/** A device-less client holding the gateway token, with operator.approvals (what it needs to ask). */
export async function approvalRequester(url: string, token: string, clientId = 'gateway-client'): Promise<TestSocket> {
  const { socket, res } = await connectDevice(url, null, {
    token, scopes: ['operator.approvals', 'operator.read'], noDevice: true, clientId, clientMode: 'backend', displayName: 'test agent runtime',
  });
  if (!res.ok) throw new Error(`requester connect failed: ${res.error?.code} ${res.error?.message}`);
  return socket;
}

export interface AskedApproval {
  id: string;
  accepted: Frame;
  /** The request's second `res` frame: the decision (null on timeout or no route). */
  final: Promise<Frame>;
}

/** The parameters of a plain `echo hi` on the gateway host; `over` replaces any of them. */
export function echoParams(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: 'echo hi', commandArgv: ['echo', 'hi'], cwd: '/tmp', host: 'gateway', agentId: 'main', sessionKey: 'agent:main:main', timeoutMs: 120_000, ...over };
}

/** A node command with its prepared plan (what a 30-minute grant can bind to). */
export function nodeParams(nodeId: string, argv: string[] = ['/usr/bin/make', 'test'], over: Record<string, unknown> = {}): Record<string, unknown> {
  const plan = { argv, cwd: '/tmp', commandText: argv.join(' '), commandPreview: null, agentId: 'main', sessionKey: 'agent:main:main' };
  return { command: plan.commandText, commandArgv: argv, cwd: '/tmp', host: 'node', nodeId, systemRunPlan: plan, security: 'allowlist', ask: 'on-miss', agentId: 'main', sessionKey: plan.sessionKey, timeoutMs: 120_000, ...over };
}

/** Ask with twoPhase; fails unless the gateway accepted the request (a route exists). */
export async function askApproval(s: TestSocket, params: Record<string, unknown> = echoParams(), finalTimeoutMs = 15_000): Promise<AskedApproval> {
  const id = typeof params.id === 'string' ? params.id : randomUUID();
  const reqId = `ask-${id}`;
  s.send({ type: 'req', id: reqId, method: 'exec.approval.request', params: { ...params, id, twoPhase: true } });
  const accepted = await s.next((f) => f.type === 'res' && f.id === reqId);
  if (!accepted.ok || accepted.payload?.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(accepted.error ?? accepted.payload)}`);
  const final = s.next((f) => f.type === 'res' && f.id === reqId && f !== accepted && f.payload?.status !== 'accepted', finalTimeoutMs);
  final.catch(() => {}); // a test that never awaits it must not fail on an unhandled rejection
  return { id, accepted, final };
}
