// The summary fields OpenClaw's `openclaw status --json` reads from a gateway's `status` answer. Loopgate runs no
// agents, channels or task queues, so most are empty; they must still be present, in OpenClaw's shape, or the
// CLI fails while rendering them. Loopgate's own status fields sit beside these.

const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost'] as const;
const TASK_RUNTIMES = ['subagent', 'acp', 'cli', 'cron'] as const;
const TASK_AUDIT_CODES = ['stale_queued', 'stale_running', 'lost', 'delivery_failed', 'missing_cleanup', 'inconsistent_timestamps'] as const;

const zeroes = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export interface OpenClawStatusSummary {
  runtimeVersion: string | null;
  heartbeat: { defaultAgentId: string; agents: unknown[] };
  channelSummary: unknown[];
  queuedSystemEvents: unknown[];
  degradedSecretOwners: unknown[];
  tasks: { total: number; active: number; terminal: number; failures: number; byStatus: Record<string, number>; byRuntime: Record<string, number> };
  taskAudit: { total: number; warnings: number; errors: number; byCode: Record<string, number> };
  sessions: { paths: string[]; count: number; defaults: { model: string | null; contextTokens: number | null }; recent: unknown[]; byAgent: unknown[] };
}

/** The keys above, so Loopgate's own readers (the `loopgate status` text) can leave them out. */
export const OPENCLAW_STATUS_KEYS = [
  'runtimeVersion', 'heartbeat', 'channelSummary', 'queuedSystemEvents', 'degradedSecretOwners', 'tasks', 'taskAudit', 'sessions',
] as const satisfies ReadonlyArray<keyof OpenClawStatusSummary>;

/** @param sessionCount entries in Loopgate's session registry (sessions it keeps, not agent runs). */
export function openclawStatusSummary(sessionCount: number): OpenClawStatusSummary {
  return {
    runtimeVersion: null,
    heartbeat: { defaultAgentId: 'main', agents: [] },
    channelSummary: [],
    queuedSystemEvents: [],
    degradedSecretOwners: [],
    tasks: { total: 0, active: 0, terminal: 0, failures: 0, byStatus: zeroes(TASK_STATUSES), byRuntime: zeroes(TASK_RUNTIMES) },
    taskAudit: { total: 0, warnings: 0, errors: 0, byCode: zeroes(TASK_AUDIT_CODES) },
    sessions: { paths: [], count: sessionCount, defaults: { model: null, contextTokens: null }, recent: [], byAgent: [] },
  };
}
