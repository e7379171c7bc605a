// Exec approvals while attached: the OpenClaw gateway holds them, and this build does not relay them yet, so
// the tray and notifications see an empty queue, and deciding from here says where to decide instead.
import { invalidRequest } from '../../shared/errors';
import type { ApprovalsHandle } from '../approvals/approvals-handle';

const ELSEWHERE = 'exec approvals of an attached OpenClaw gateway are decided in that gateway\'s own clients (openclaw approvals)';

export function attachedApprovals(): ApprovalsHandle {
  const refuse = (): never => { throw invalidRequest(ELSEWHERE); };
  return {
    approvals: () => [],
    resolveApproval: async () => refuse(),
    grants: () => [],
    revokeGrant: () => refuse(),
    setApprovalRoute: () => {},
    nodeCommandRequests: () => [],
    approveNodeCommands: async () => refuse(),
    rejectNodeCommands: async () => refuse(),
    on: () => () => {},
  };
}
