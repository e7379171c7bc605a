// Activity: the audit log, newest first; silent approvals are labelled as such.
import { useMemo, useState } from 'react';
import type { AuditEntry, PairedDeviceView } from '../../../shared/pairing-types';
import type { DashboardStore } from '../store';
import { ago, dayLabel, reasonLabel, timeOnly, useNow } from '../format';
import { Badge, Chip, errorText, useNotify, type Tone } from '../components/ui';

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
  const shown = useMemo(() => audit.filter((e) => (!decision || e.decision === decision) && (!silentOnly || e.silent)), [audit, decision, silentOnly]);
  const silentCount = useMemo(() => audit.filter((e) => e.silent).length, [audit]);
  return (
    <section className="view view-activity" aria-labelledby="activity-title">
      <header className="view-header">
        <div>
          <h1 id="activity-title">Activity</h1>
          <p className="view-sub">Every pairing decision, silent ones included, newest first.</p>
        </div>
      </header>
      <div className="toolbar" role="search" aria-label="Filter activity">
        <select aria-label="Filter by event" value={decision} onChange={(e) => setDecision(e.target.value)}>
          <option value="">All events</option>
          {DECISIONS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
        </select>
        <label className="check inline-check">
          <input type="checkbox" checked={silentOnly} onChange={(e) => setSilentOnly(e.target.checked)} />
          Silent approvals only <span className="muted">({silentCount})</span>
        </label>
      </div>
      <div className="card card-flush">
        {!loaded ? <p className="muted pad">Loading the audit log…</p>
          : shown.length === 0 ? <p className="muted pad">{audit.length === 0 ? 'Nothing recorded yet. Decisions appear here as devices pair.' : 'No entries match the filter.'}</p>
            : <AuditList entries={shown} devices={byId} onOpenDevice={onOpenDevice} />}
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
  if (by) return by;
  return silent ? 'silent policy' : '—';
}

export function AuditList({ entries, devices, onOpenDevice, compact = false }: {
  entries: AuditEntry[];
  devices: Map<string, PairedDeviceView> | null;
  onOpenDevice?: (id: string) => void;
  compact?: boolean;
}) {
  const now = useNow(30_000);
  const groups: Array<{ day: string; items: AuditEntry[] }> = [];
  for (const e of entries) {
    const day = dayLabel(e.ts, now);
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.items.push(e);
    else groups.push({ day, items: [e] });
  }
  return (
    <div className={`audit ${compact ? 'audit-compact' : ''}`}>
      {groups.map((g) => (
        <div key={g.day} className="audit-group">
          {!compact && <h2 className="audit-day">{g.day}</h2>}
          <ol className="audit-list">
            {g.items.map((e, i) => {
              const meta = DECISION_META.get(e.decision) ?? { label: e.decision, tone: 'neutral' as Tone };
              const dev = devices?.get(e.deviceId);
              const name = e.displayName ?? dev?.displayName ?? null;
              return (
                <li key={`${e.ts}-${e.deviceId}-${e.decision}-${i}`} className={`audit-entry ${e.silent ? 'audit-silent' : ''}`} data-testid="audit-entry" data-decision={e.decision} data-silent={e.silent ? 'true' : 'false'}>
                  <time className="audit-time small" dateTime={new Date(e.ts).toISOString()} title={new Date(e.ts).toLocaleString()}>
                    {compact ? ago(e.ts, now) : timeOnly(e.ts)}
                  </time>
                  <span className="audit-decision">
                    <Badge tone={meta.tone}>{meta.label}</Badge>
                    {e.silent && <Badge tone="info" title="Approved automatically by the local silent-approval policy">silent</Badge>}
                  </span>
                  <span className="audit-what">
                    {!compact && (
                      <span className="audit-device">
                        {dev && onOpenDevice ? (
                          <button type="button" className="link-btn" onClick={() => onOpenDevice(e.deviceId)} aria-label={`Open device ${name ?? e.deviceId.slice(0, 12)}`}>
                            {name ?? <span className="mono">{e.deviceId.slice(0, 12)}</span>}
                          </button>
                        ) : name ? <span>{name}</span> : <span className="mono">{e.deviceId.slice(0, 12)}</span>}
                        {name && <span className="reported-tag">reported</span>}
                      </span>
                    )}
                    <span className="audit-detail">
                      {e.reason && !e.decision.startsWith('token-') && e.decision !== 'narrowed' && e.decision !== 'removed' && <span className="muted">{reasonLabel(e.reason)}</span>}
                      {e.role && <Chip variant="held">role {e.role}</Chip>}
                      {(e.scopes ?? []).map((s) => <Chip key={s}>{s}</Chip>)}
                    </span>
                  </span>
                  <span className="audit-source small">
                    {e.locality && <span className={`tag ${e.locality === 'local' ? 'tag-local' : 'tag-remote'}`}>{e.locality}</span>}
                    {e.address && <span className="mono">{e.address}</span>}
                  </span>
                  <span className="audit-by small muted">by {byLabel(e.by, e.silent)}</span>
                </li>
              );
            })}
          </ol>
        </div>
      ))}
    </div>
  );
}
