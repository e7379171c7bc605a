// Activity: the audit log, newest first; silent approvals are labelled as such. The list is virtualised and each
// entry's labels are computed once, so thousands of entries and bursts of new ones stay cheap to show.
import { memo, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { AuditEntry, PairedDeviceView } from '../../../shared/pairing-types';
import type { DashboardStore } from '../store';
import { ago, dayKey, dayLabelOf, fullDateTime, reasonLabel, shown, timeOnly, useNow } from '../format';
import { Badge, Chip, errorText, useNotify, type Tone } from '../components/ui';
import { displayCommand } from '../../../shared/exec-approval-display';

const DECISIONS: Array<{ value: AuditEntry['decision']; label: string; tone: Tone }> = [
  { value: 'approved', label: 'Approved', tone: 'success' },
  { value: 'rejected', label: 'Denied', tone: 'danger' },
  { value: 'requested', label: 'Requested', tone: 'info' },
  { value: 'expired', label: 'Expired', tone: 'warning' },
  { value: 'superseded', label: 'Replaced', tone: 'neutral' },
  { value: 'removed', label: 'Removed', tone: 'danger' },
  { value: 'token-rotated', label: 'Token rotated', tone: 'accent' },
  { value: 'token-revoked', label: 'Token revoked', tone: 'danger' },
  { value: 'narrowed', label: 'Scopes narrowed', tone: 'accent' },
];
const DECISION_META = new Map(DECISIONS.map((d) => [d.value as string, d]));

/** Exec approvals: the entry's own decision, told by how the request ended. */
const EXEC_META: Record<string, { label: string; tone: Tone }> = {
  requested: { label: 'Command asked', tone: 'info' },
  'allow-once': { label: 'Allowed once', tone: 'success' },
  'allow-for-30-minutes': { label: 'Allowed 30 min', tone: 'success' },
  'allow-always': { label: 'Always allowed', tone: 'success' },
  deny: { label: 'Command denied', tone: 'danger' },
  expired: { label: 'Timed out', tone: 'warning' },
  removed: { label: 'Grant revoked', tone: 'danger' },
};
const NODE_META: Record<string, { label: string; tone: Tone }> = {
  requested: { label: 'Node commands asked', tone: 'info' },
  approved: { label: 'Node commands approved', tone: 'success' },
  rejected: { label: 'Node commands denied', tone: 'danger' },
};

/** The event filter: pairing decisions by value, and the two approval kinds as a whole. */
function matchesFilter(e: AuditEntry, filter: string): boolean {
  if (!filter) return true;
  if (filter === 'kind:exec-approval' || filter === 'kind:node-commands') return e.kind === filter.slice(5);
  return !e.kind && e.decision === filter;
}

/** Only what the badge does not already say: a timeout, no route, a grant that answered. */
function execReason(e: AuditEntry): string {
  if (e.decision === 'requested' || !e.reason || /^exec approval: /.test(e.reason)) return '';
  return shown(e.reason);
}

function execMeta(e: AuditEntry): { label: string; tone: Tone } {
  const x = e.exec;
  if (e.decision === 'requested' || e.decision === 'removed') return EXEC_META[e.decision]!;
  if (x?.decision && EXEC_META[x.decision]) return EXEC_META[x.decision]!;
  if (e.decision === 'expired' || x?.terminalReason === 'timeout') return EXEC_META.expired!;
  return e.decision === 'approved' ? { label: 'Command allowed', tone: 'success' } : e.decision === 'rejected' ? EXEC_META.deny! : { label: shown(e.decision), tone: 'neutral' };
}

export function ActivityView({ audit, loaded, hasMore, devices, store, onOpenDevice }: {
  audit: AuditEntry[];
  loaded: boolean;
  hasMore: boolean;
  devices: PairedDeviceView[];
  store: DashboardStore;
  onOpenDevice: (id: string) => void;
}) {
  const notify = useNotify();
  const [decision, setDecision] = useState('');
  const [silentOnly, setSilentOnly] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const byId = useMemo(() => new Map(devices.map((d) => [d.deviceId, d])), [devices]);
  const visible = useMemo(() => audit.filter((e) => matchesFilter(e, decision) && (!silentOnly || e.silent)), [audit, decision, silentOnly]);
  const silentCount = useMemo(() => audit.filter((e) => e.silent).length, [audit]);
  return (
    <section className="view view-activity" aria-labelledby="activity-title">
      <header className="view-header">
        <div>
          <h1 id="activity-title">Activity</h1>
          <p className="view-sub">Every pairing decision, silent ones included, and every command approval, newest first.</p>
        </div>
      </header>
      <div className="toolbar" role="search" aria-label="Filter activity">
        <select aria-label="Filter by event" value={decision} onChange={(e) => setDecision(e.target.value)}>
          <option value="">All events</option>
          {DECISIONS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
          <option value="kind:exec-approval">Command approvals</option>
          <option value="kind:node-commands">Node commands</option>
        </select>
        <label className="check inline-check">
          <input type="checkbox" checked={silentOnly} onChange={(e) => setSilentOnly(e.target.checked)} />
          Silent approvals only <span className="muted">({silentCount})</span>
        </label>
      </div>
      <div className="card card-flush audit-card">
        {!loaded ? <p className="muted pad">Loading the audit log…</p>
          : visible.length === 0 ? <p className="muted pad">{audit.length === 0 ? 'Nothing recorded yet. Decisions appear here as devices pair.' : 'No entries match the filter.'}</p>
            : <AuditList entries={visible} devices={byId} onOpenDevice={onOpenDevice} />}
      </div>
      {hasMore && (
        <div className="load-more">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={loadingMore}
            onClick={async () => {
              setLoadingMore(true);
              try { await store.loadAudit(true); } catch (err) { notify(`Could not load older entries: ${errorText(err)}`, 'danger'); } finally { setLoadingMore(false); }
            }}
          >
            {loadingMore ? 'Loading…' : 'Load older entries'}
          </button>
        </div>
      )}
    </section>
  );
}

function byLabel(by: string, silent: boolean): string {
  if (by) return shown(by);
  return silent ? 'silent policy' : '—';
}

/** What a row shows, computed once per entry (entries never change once recorded). */
interface Prepared {
  entry: AuditEntry;
  key: string;
  day: string;
  time: string;
  iso: string;
  title: string;
  label: string;
  tone: Tone;
  name: string;
  reason: string;
  role: string;
  scopes: string[];
  by: string;
  address: string;
  /** The program behind the connection, as the OS reported it. */
  program: string;
  shortId: string;
  /** Exec approvals: the command (one line, hidden characters escaped), where, and who asked. */
  command: string;
  where: string;
  requester: string;
}

const prepared = new WeakMap<AuditEntry, Prepared>();

function prepare(e: AuditEntry): Prepared {
  let p = prepared.get(e);
  if (p) return p;
  const meta = e.kind === 'exec-approval' ? execMeta(e)
    : e.kind === 'node-commands' ? NODE_META[e.decision] ?? { label: shown(e.decision), tone: 'neutral' as Tone }
      : DECISION_META.get(e.decision) ?? { label: shown(e.decision), tone: 'neutral' as Tone };
  const x = e.exec;
  p = {
    entry: e,
    key: `${e.ts}|${e.deviceId}|${e.decision}|${e.requestId ?? ''}|${e.role ?? ''}|${(e.scopes ?? []).join(',')}|${e.kind ?? ''}|${e.exec?.approvalId ?? ''}`,
    day: dayKey(e.ts),
    time: timeOnly(e.ts),
    iso: new Date(e.ts).toISOString(),
    title: fullDateTime(e.ts),
    label: meta.label,
    tone: meta.tone,
    name: shown(e.displayName),
    reason: e.kind === 'exec-approval' ? execReason(e) : e.kind ? shown(e.reason) : e.reason && !e.decision.startsWith('token-') && e.decision !== 'narrowed' && e.decision !== 'removed' ? reasonLabel(shown(e.reason)) : '',
    role: shown(e.role),
    scopes: (e.kind === 'node-commands' ? [...(e.commands ?? []), ...(e.caps ?? [])] : e.scopes ?? []).map(shown).filter(Boolean),
    // An exec request names who asked in its detail line; its decision names who answered.
    by: e.kind === 'exec-approval' && e.decision === 'requested' ? '' : byLabel(e.by, e.silent),
    address: shown(e.address),
    program: shown(e.program),
    shortId: e.deviceId.slice(0, 12),
    command: x ? displayCommand(x.command ?? '', [], 160).text : '',
    where: x ? [x.cwd ? `in ${shown(x.cwd)}` : '', x.agentId ? `agent ${shown(x.agentId)}` : ''].filter(Boolean).join(' · ') : '',
    requester: x ? shown(x.requester) : '',
  };
  prepared.set(e, p);
  return p;
}

type Item = { kind: 'day'; key: string; label: string } | { kind: 'entry'; key: string; p: Prepared };

const ENTRY_HEIGHT = 56;
const DAY_HEIGHT = 36;

export function AuditList({ entries, devices, onOpenDevice, compact = false }: {
  entries: AuditEntry[];
  devices: Map<string, PairedDeviceView> | null;
  onOpenDevice?: (id: string) => void;
  compact?: boolean;
}) {
  const now = useNow(30_000);
  const rows = useMemo(() => entries.map(prepare), [entries]);
  if (compact) {
    return (
      <ol className="audit audit-compact audit-list">
        {rows.map((p) => <AuditRow key={p.key} p={p} compact now={now} name={p.name} canOpen={false} />)}
      </ol>
    );
  }
  return <VirtualAuditList rows={rows} now={now} devices={devices} onOpenDevice={onOpenDevice} />;
}

function VirtualAuditList({ rows, now, devices, onOpenDevice }: {
  rows: Prepared[];
  now: number;
  devices: Map<string, PairedDeviceView> | null;
  onOpenDevice?: (id: string) => void;
}) {
  const today = dayKey(now);
  const items = useMemo(() => {
    const out: Item[] = [];
    let last = '';
    for (const p of rows) {
      if (p.day !== last) {
        last = p.day;
        out.push({ kind: 'day', key: `day-${p.day}`, label: dayLabelOf(p.day, now) });
      }
      out.push({ kind: 'entry', key: p.key, p });
    }
    return out;
  }, [rows, today]); // `today`, not `now`: the labels change with the date, not with every tick
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (items[i]?.kind === 'day' ? DAY_HEIGHT : ENTRY_HEIGHT),
    getItemKey: (i) => items[i]!.key,
    overscan: 6,
    initialRect: { width: 1000, height: 600 },
  });
  return (
    <div className="audit audit-scroll" ref={scrollRef} data-testid="audit-scroll">
      <ol className="audit-list" aria-label="Audit log, newest first" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => {
          const item = items[v.index]!;
          if (item.kind === 'day') {
            return (
              <li key={item.key} className="audit-row audit-day-row" data-index={v.index} ref={virtualizer.measureElement} style={{ transform: `translateY(${v.start}px)` }}>
                <h2 className="audit-day">{item.label}</h2>
              </li>
            );
          }
          const p = item.p;
          const dev = devices?.get(p.entry.deviceId);
          return (
            <AuditRow
              key={item.key}
              p={p}
              now={0}
              name={p.name || shown(dev?.displayName)}
              canOpen={Boolean(dev && onOpenDevice)}
              onOpenDevice={onOpenDevice}
              index={v.index}
              measure={virtualizer.measureElement}
              top={v.start}
            />
          );
        })}
      </ol>
    </div>
  );
}

const AuditRow = memo(function AuditRow({ p, compact = false, now, name, canOpen, onOpenDevice, index, measure, top }: {
  p: Prepared;
  compact?: boolean;
  /** Only read in compact rows (relative times). */
  now: number;
  name: string;
  canOpen: boolean;
  onOpenDevice?: (id: string) => void;
  index?: number;
  measure?: (el: Element | null) => void;
  /** Offset in the virtualised list (absent in the compact, unvirtualised one). */
  top?: number;
}) {
  const e = p.entry;
  return (
    <li
      ref={measure}
      data-index={index}
      style={top === undefined ? undefined : { transform: `translateY(${top}px)` }}
      className={`audit-entry ${compact ? '' : 'audit-row'} ${e.silent ? 'audit-silent' : ''}`}
      data-testid="audit-entry"
      data-decision={e.decision}
      data-kind={e.kind ?? 'pairing'}
      data-silent={e.silent ? 'true' : 'false'}
    >
      <time className="audit-time small" dateTime={p.iso} title={p.title}>
        {compact ? ago(e.ts, now) : p.time}
      </time>
      <span className="audit-decision">
        <Badge tone={p.tone}>{p.label}</Badge>
        {e.silent && <Badge tone="info" title="Approved automatically by the local silent-approval policy">silent</Badge>}
      </span>
      <span className="audit-what">
        {!compact && (
          <span className="audit-device">
            {canOpen && onOpenDevice ? (
              <button type="button" className="link-btn" onClick={() => onOpenDevice(e.deviceId)} aria-label={`Open device ${name ? `${name} (reported name)` : p.shortId}`}>
                {name || <span className="mono">{p.shortId}</span>}
              </button>
            ) : name ? <span>{name}</span> : <span className="mono">{p.shortId}</span>}
            {name && <span className="reported-tag" title="Reported by the device itself; not verified">reported</span>}
          </span>
        )}
        {p.command && <code className="audit-command mono small" data-testid="audit-command">{p.command}</code>}
        <span className="audit-detail">
          {p.requester && <span data-testid="audit-requester">asked by {p.requester}</span>}
          {p.where && <span className="muted">{p.where}</span>}
          {p.reason && <span className="muted">{p.reason}</span>}
          {p.role && <Chip variant="held">role {p.role}</Chip>}
          {p.scopes.map((s) => <Chip key={s}>{s}</Chip>)}
        </span>
      </span>
      <span className="audit-source small">
        {e.locality && <span className={`tag ${e.locality === 'local' ? 'tag-local' : 'tag-remote'}`}>{e.locality}</span>}
        {p.address && <span className="mono">{p.address}</span>}
        {p.program && <span className="audit-program" data-testid="audit-program" title="The program behind the connection, as the operating system reported it">{p.program}</span>}
      </span>
      <span className="audit-by small muted">{p.by ? `by ${p.by}` : ''}</span>
    </li>
  );
});
