// exec.approval.*, approval.get / approval.resolve, node.pair.* and Loopgate's loopgate.approvals.* methods.
// Decisions are the user's: the window, the tray, a gateway-token client; never a paired device's own session
// (a local device can widen itself to operator.admin silently, so that scope cannot be what lets it decide).
import { z } from 'zod';
import { invalidRequest } from '../../shared/errors';
import { LOOPGATE_APPROVAL_METHODS } from '../../shared/exec-approval-types';
import { SCOPE } from '../../shared/scopes';
import { method, ownerOnly, plain, type MethodContext, type MethodDef } from '../gateway/router';
import { resolverOf } from './approval-routing';
import type { ApprovalsHub } from './approvals-hub';
import { ExecApprovalRequestSchema } from './exec-approval-request';

const id = z.string().min(1).max(512);
const IdParams = z.object({ id });
const ResolveParams = z.object({
  id, decision: z.unknown(), reviewer: z.unknown().optional(), grantExpiresInDays: z.number().int().min(1).max(3650).optional(),
});
const DurableResolveParams = z.object({
  id, kind: z.string().max(64).optional(), decision: z.unknown(), reviewer: z.unknown().optional(),
  grantExpiresInDays: z.number().int().min(1).max(3650).optional(),
});
const Empty = z.object({}).passthrough().optional();
const RequestId = z.object({ requestId: id });

function viewer(ctx: MethodContext) {
  return ctx.conn;
}

export function approvalMethods(hub: ApprovalsHub): Record<string, MethodDef> {
  const ex = hub.exec;
  return {
    'exec.approval.request': method(ExecApprovalRequestSchema, async (p, ctx) => {
      const { entry, route } = ex.open(p, { id: ctx.conn.id, identity: ctx.conn.identity! }, 'request');
      if (!route) return ex.final(entry);
      // Two-phase: the accepted frame first, the decision later on the same request id.
      if (p.twoPhase === true) ctx.conn.respond(ctx.requestId, ex.accepted(entry));
      await ex.records.wait(entry);
      return ex.final(entry);
    }),
    'exec.approval.waitDecision': method(IdParams, (p, ctx) => ex.waitDecision(p.id, viewer(ctx))),
    'exec.approval.resolve': ownerOnly(method(ResolveParams, (p, ctx) => ex.resolveWire(p.id, p.decision, resolverOf(ctx.conn.identity!), viewer(ctx)))),
    'exec.approval.get': method(IdParams, (p, ctx) => ex.getPending(p.id, viewer(ctx))),
    'exec.approval.list': method(Empty, (_p, ctx) => ex.listWire(viewer(ctx))),
    // Cron standing grants do not exist here: Loopgate's 30-minute grants are listed by loopgate.approvals.grants.
    'exec.approval.grants.list': method(z.object({ limit: z.number().int().min(1).optional() }).optional(), () => ({ grants: [] })),
    'exec.approval.grants.revoke': method(z.object({ grantId: id }), () => ({ outcome: 'not-found' })),
    'approval.get': method(IdParams, (p, ctx) => ex.getDurable(p.id, viewer(ctx))),
    'approval.resolve': ownerOnly(method(DurableResolveParams, (p, ctx) => ex.resolveDurable({ id: p.id, kind: p.kind ?? '', decision: p.decision }, resolverOf(ctx.conn.identity!), viewer(ctx)))),
    // `openclaw approvals pending` asks all three kinds at once; Loopgate holds exec approvals only.
    'plugin.approval.list': plain(() => []),
    'openclaw.approval.list': plain(() => []),

    [LOOPGATE_APPROVAL_METHODS.list]: method(Empty, () => ({ approvals: ex.views() })),
    [LOOPGATE_APPROVAL_METHODS.resolve]: ownerOnly(method(z.object({ id, decision: z.unknown() }), (p, ctx) => ex.resolveLoopgate(p.id, p.decision, resolverOf(ctx.conn.identity!), viewer(ctx)))),
    [LOOPGATE_APPROVAL_METHODS.grants]: method(Empty, () => ({ grants: ex.grants.list() })),
    [LOOPGATE_APPROVAL_METHODS.revokeGrant]: ownerOnly(method(z.object({ grantId: id }), (p, ctx) => ({ ok: true, grant: hub.revoke(p.grantId, ctx.actor.label) }))),

    'node.pair.list': method(Empty, (_p, ctx) => {
      const list = hub.surfaces.list();
      const self = ctx.conn.identity!.deviceId;
      // A paired device that is not an admin sees only its own node entry (as OpenClaw).
      if (ctx.actor.kind === 'device' && !ctx.conn.identity!.scopes.includes(SCOPE.admin)) {
        return { pending: list.pending.filter((r) => r.nodeId === self), paired: list.paired.filter((n) => n.nodeId === self) };
      }
      return list;
    }),
    'node.pair.approve': ownerOnly(method(RequestId, (p, ctx) => hub.surfaces.approve(p.requestId, ctx.conn.identity!.scopes, ctx.actor.label))),
    'node.pair.reject': ownerOnly(method(RequestId, (p, ctx) => hub.surfaces.reject(p.requestId, ctx.actor.label))),
    'node.pair.remove': ownerOnly(method(z.object({ nodeId: id }), async (p) => {
      if (!(await hub.surfaces.forget(p.nodeId))) throw invalidRequest('unknown nodeId', { nodeId: p.nodeId });
      return { nodeId: p.nodeId };
    })),
  };
}
