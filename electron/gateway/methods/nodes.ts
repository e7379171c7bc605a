// node.list / node.describe / node.invoke and the node side (node.invoke.result, node.event).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, GatewayError, invalidRequest } from '../../../shared/errors';
import { ParamSchemas } from '../../../shared/methods';
import type { Connection } from '../connection';
import type { Gateway } from '../gateway';
import { method, plain, type MethodDef } from '../router';
import { runSystemRun } from '../../approvals/system-run';

interface Waiting {
  nodeConn: Connection;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

export class NodeInvocations {
  private waiting = new Map<string, Waiting>();

  /** Invocations waiting for an answer (each leaves on its answer, its timeout, or its node's disconnect). */
  get size(): number {
    return this.waiting.size;
  }

  start(nodeConn: Connection, nodeId: string, command: string, params: unknown, timeoutMs: number, idempotencyKey?: string): Promise<unknown> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new GatewayError(ErrorCode.AGENT_TIMEOUT, `node invoke timed out after ${timeoutMs} ms`, { nodeId, command }, { retryable: true }));
      }, timeoutMs);
      this.waiting.set(id, { nodeConn, resolve, reject, timer });
      nodeConn.event('node.invoke.request', {
        id, nodeId, command, ...(params === undefined ? {} : { paramsJSON: JSON.stringify(params) }), timeoutMs,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    });
  }

  /** Only the node that was asked may answer. */
  finish(from: Connection, id: string, result: { ok?: boolean; payload?: unknown; payloadJSON?: string; error?: unknown }): boolean {
    const w = this.waiting.get(id);
    if (!w || w.nodeConn !== from) return false;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    if (result.ok === false) {
      const err = result.error as { code?: string; message?: string } | undefined;
      // As the reference relays it: "SYSTEM_RUN_DENIED: <node message>", the node's error kept in details.
      const message = err?.code && typeof err.code === 'string' ? `${err.code}: ${err.message ?? 'unknown error'}` : `node command failed: ${err?.message ?? 'unknown error'}`;
      w.reject(new GatewayError(ErrorCode.UNAVAILABLE, message, { nodeError: result.error, nodeCommandDispatched: true }));
    } else {
      let payload = result.payload;
      if (payload === undefined && typeof result.payloadJSON === 'string') {
        try { payload = JSON.parse(result.payloadJSON); } catch { payload = result.payloadJSON; }
      }
      w.resolve(payload);
    }
    return true;
  }

  /** The node's answer was too large to accept: that call fails, the node stays connected. */
  failTooLarge(from: Connection, id: string, error: GatewayError): boolean {
    const w = this.waiting.get(id);
    if (!w || w.nodeConn !== from) return false;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.reject(error);
    return true;
  }

  /** A node that disconnects fails everything still waiting on it. */
  dropConnection(conn: Connection): void {
    for (const [id, w] of this.waiting) {
      if (w.nodeConn !== conn) continue;
      clearTimeout(w.timer);
      this.waiting.delete(id);
      w.reject(new GatewayError(ErrorCode.UNAVAILABLE, 'node disconnected before answering', undefined, { retryable: true }));
    }
  }
}

const MAX_INVOCATIONS_PER_CONNECTION = 64;

function relayExecApprovals(gw: Gateway, nodeId: string, command: string, params: unknown): Promise<unknown> {
  const c = gw.nodeConnection(nodeId);
  if (!c) throw new GatewayError(ErrorCode.UNAVAILABLE, 'node not connected', { nodeId });
  if (!gw.hub.surfaces.effective(nodeId, c.identity!).commands.includes(command)) throw invalidRequest(`node does not offer command: ${command}`, { nodeId });
  return gw.invocations.start(c, nodeId, command, params, 15_000);
}

export function nodeMethods(gw: Gateway): Record<string, MethodDef> {
  return {
    'node.list': plain(() => ({ ts: Date.now(), nodes: gw.nodes().map((c) => gw.describeNode(c)) })),
    'node.describe': method(ParamSchemas['node.describe'], (p) => {
      const c = gw.nodeConnection(p.nodeId);
      if (!c) throw invalidRequest('unknown nodeId', { nodeId: p.nodeId });
      return gw.describeNode(c);
    }),
    'node.invoke': method(ParamSchemas['node.invoke'], async (p, { conn }) => {
      if (conn.invocations >= MAX_INVOCATIONS_PER_CONNECTION) throw invalidRequest(`too many node.invoke calls in flight (${MAX_INVOCATIONS_PER_CONNECTION}); wait for some to finish`);
      const c = gw.nodeConnection(p.nodeId);
      if (!c) throw new GatewayError(ErrorCode.UNAVAILABLE, 'node not connected', { nodeId: p.nodeId });
      if (p.command.startsWith('system.execApprovals.')) throw invalidRequest('node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*');
      const declared = c.identity!.commands;
      if (!declared.includes(p.command)) throw invalidRequest(`node does not offer command: ${p.command}`, { nodeId: p.nodeId, commands: declared });
      // Declared is not enough: the user approves a node's command surface before anything is relayed.
      const { commands } = gw.hub.surfaces.effective(p.nodeId, c.identity!);
      if (!commands.includes(p.command)) {
        throw invalidRequest('node command not allowed: the node\'s declared command surface is pending approval; run `openclaw nodes pending`, then `openclaw nodes approve <requestId>`', {
          reason: 'node did not declare commands', command: p.command,
        });
      }
      const timeoutMs = p.timeoutMs ?? 30_000;
      const relay = {
        commands,
        invoke: (command: string, params: unknown) => gw.invocations.start(c, p.nodeId, command, params, timeoutMs, command === p.command ? p.idempotencyKey : undefined),
      };
      conn.invocations++;
      try {
        const payload = p.command === 'system.run'
          ? await runSystemRun({ approvals: gw.hub.exec, nodeId: p.nodeId, relay, caller: { id: conn.id, identity: conn.identity! }, params: p.params })
          : await relay.invoke(p.command, p.params);
        return { ok: true, nodeId: p.nodeId, command: p.command, payload };
      } finally {
        conn.invocations--;
      }
    }),
    // The node's own approvals document (its policy and allowlist), read and replaced through the node (admin only).
    'exec.approvals.node.get': method(z.object({ nodeId: z.string().min(1) }), (p) => relayExecApprovals(gw, p.nodeId, 'system.execApprovals.get', {})),
    'exec.approvals.node.set': method(z.object({ nodeId: z.string().min(1), file: z.unknown().optional(), native: z.unknown().optional(), baseHash: z.string().optional() }),
      ({ nodeId, ...rest }) => relayExecApprovals(gw, nodeId, 'system.execApprovals.set', rest)),
    'node.invoke.result': method(ParamSchemas['node.invoke.result'], (p, { conn }) => {
      if (!gw.invocations.finish(conn, p.id, p)) throw invalidRequest('unknown invoke id', { id: p.id });
      return { ok: true };
    }),
    'node.event': plain(() => ({ ok: true })),
    'node.pending.pull': plain(() => ({ items: [] })),
    'node.pending.drain': plain(() => ({ items: [] })),
    'node.pending.ack': plain(() => ({ ok: true })),
    'node.canvas.capability.refresh': plain(() => ({ ok: true })),
    'skills.bins': plain(() => ({ bins: [] })),
    'node.runnerInventory.update': plain(() => ({ ok: true })),
    'node.skills.update': plain(() => ({ ok: true })),
    'node.pluginTools.update': plain(() => ({ ok: true })),
  };
}
