// A node host over a real socket for tests: answers node.invoke.request the way `openclaw node run` does for
// system.run.prepare and system.run under an "ask" policy (approval required unless the gateway sends the
// approval flags with the prepared plan), and records every command it was sent.
import type { DeviceIdentity, TestSocket } from './device-client';
import { connectDevice, createIdentity } from './device-client';

export interface NodeCall {
  command: string;
  params: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface FakeNode {
  id: DeviceIdentity;
  socket: TestSocket;
  calls: NodeCall[];
  /** The node's policy; change it to make the prepared snapshot stale. */
  policy: { security: string; ask: string; allowlistRules: Array<{ pattern: string }> };
}

export const NODE_COMMANDS = ['system.run', 'system.run.prepare', 'system.which', 'system.execApprovals.get', 'system.execApprovals.set'];

function snapshot(policy: FakeNode['policy']) {
  return { security: policy.security, ask: policy.ask, askFallback: 'deny', autoAllowSkills: false, allowlistRules: policy.allowlistRules };
}

export async function startFakeNode(url: string, token: string, opts: { ask?: string; displayName?: string } = {}): Promise<FakeNode> {
  const id = createIdentity();
  const r = await connectDevice(url, id, {
    token, role: 'node', clientId: 'node-host', clientMode: 'node', displayName: opts.displayName ?? 'fake node',
    tamper: (p) => { p.caps = ['system']; p.commands = NODE_COMMANDS; },
  });
  if (!r.res.ok) throw new Error(`node connect failed: ${JSON.stringify(r.res.error)}`);
  const node: FakeNode = { id, socket: r.socket, calls: [], policy: { security: 'allowlist', ask: opts.ask ?? 'on-miss', allowlistRules: [] } };
  r.socket.ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as { type: string; event?: string; payload?: { id: string; command: string; paramsJSON?: string } };
    if (f.type !== 'event' || f.event !== 'node.invoke.request' || !f.payload) return;
    const { id: invokeId, command } = f.payload;
    const params = f.payload.paramsJSON ? JSON.parse(f.payload.paramsJSON) : undefined;
    node.calls.push({ command, params });
    const answer = (ok: boolean, body: unknown) => void r.socket.request('node.invoke.result', ok
      ? { id: invokeId, nodeId: id.deviceId, ok: true, payloadJSON: JSON.stringify(body) }
      : { id: invokeId, nodeId: id.deviceId, ok: false, error: body });
    if (command === 'system.run.prepare') {
      const argv = params.command[0] === 'echo' ? ['/usr/bin/echo', ...params.command.slice(1)] : params.command;
      return answer(true, {
        plan: {
          argv, cwd: params.cwd ?? null, commandText: argv.join(' '), commandPreview: null, agentId: params.agentId ?? null,
          sessionKey: params.sessionKey ?? null, policySnapshot: snapshot(node.policy),
          mutableFileOperand: { argvIndex: 0, path: argv[0], sha256: 'a0' },
        },
        execPolicy: { security: node.policy.security, ask: node.policy.ask },
      });
    }
    if (command === 'system.run') {
      const approved = params.approved === true || params.approvalDecision !== undefined;
      const allowlisted = node.policy.allowlistRules.some((rule) => rule.pattern === params.command[0]);
      const needs = node.policy.ask === 'always' || (node.policy.ask === 'on-miss' && !allowlisted);
      if (needs && !approved) return answer(false, { code: 'SYSTEM_RUN_DENIED', message: 'SYSTEM_RUN_DENIED: approval required' });
      if (approved && JSON.stringify(params.systemRunPlan?.policySnapshot) !== JSON.stringify(snapshot(node.policy))) {
        return answer(false, { code: 'SYSTEM_RUN_DENIED', message: 'SYSTEM_RUN_DENIED: exec approval policy changed; request approval again' });
      }
      return answer(true, { exitCode: 0, timedOut: false, success: true, stdout: `${params.command.slice(1).join(' ')}\n`, stderr: '', error: null });
    }
    return answer(true, { ok: true });
  });
  return node;
}
