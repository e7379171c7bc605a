// Requests: what each waiting device asks for, as a diff against what it already holds; Approve / Deny.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PairedDeviceView, PendingRequestView } from '../../../shared/pairing-types';
import { normalizeScopes, scopesBeyond } from '../../../shared/scopes';
import type { DashboardStore } from '../store';
import type { FocusRequest } from '../App';
import { GatewayRequestError } from '../gateway-client';
import { ago, clock, dateTime, deviceName, localityLabel, reasonLabel, shown, useNow } from '../format';
import { Badge, Chip, ReportedName, ReportedTag, errorText, useNotify } from '../components/ui';
import { IconAlert, IconClose } from '../components/icons';
import { ProgramFacts } from '../components/ProgramFacts';

/** Where a notification, tray click or `?request=` pointed, once the list has answered. */
interface Arrival {
  /** The card to bring into view and focus: the request itself, or the device's current one. */
  target: string | null;
  /** The asked-for request is no longer pending (replaced or expired). */
  stale: boolean;
  seq: number;
}

export function RequestsView({ pending, paired, store, paused, silentEnabled, attachedTo, onResume, focusRequest = null, onFocusHandled, ready = true, auditLoaded = true }: {
  pending: PendingRequestView[];
  paired: PairedDeviceView[];
  store: DashboardStore;
  paused: boolean;
  silentEnabled: boolean | null;
  /** Attach mode: the OpenClaw gateway whose requests these are. */
  attachedTo?: string;
  onResume: () => void;
  focusRequest?: FocusRequest | null;
  /** The arrival was dealt with: coming back to this view later does not repeat it. */
  onFocusHandled?: () => void;
  /** device.pair.list has answered: only then can "not pending" be told. */
  ready?: boolean;
  /** The audit log is loaded (it knows which device an older request was for). */
  auditLoaded?: boolean;
}) {
  const now = useNow(1000);
  const byId = useMemo(() => {
    const ids = new Set(pending.map((r) => r.deviceId));
    const m = new Map<string, PairedDeviceView>();
    for (const d of paired) if (ids.has(d.deviceId)) m.set(d.deviceId, d);
    return m;
  }, [pending, paired]);
  const sorted = useMemo(() => [...pending].sort((a, b) => b.createdAtMs - a.createdAtMs), [pending]);
  const listRef = useRef<HTMLUListElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const staleRef = useRef<HTMLDivElement>(null);

  // Arriving for one request: once the list is known, find it (or the device's current one).
  const [arrival, setArrival] = useState<Arrival | null>(null);
  const handledSeq = useRef(0);
  useEffect(() => {
    if (!focusRequest || !ready || handledSeq.current >= focusRequest.seq) return;
    const live = pending.find((r) => r.requestId === focusRequest.id);
    if (!live && !auditLoaded) return; // wait: the log may know which device that request was for
    handledSeq.current = focusRequest.seq;
    onFocusHandled?.();
    if (live) { setArrival({ target: live.requestId, stale: false, seq: focusRequest.seq }); return; }
    const deviceId = store.deviceOfRequest(focusRequest.id);
    const current = deviceId ? pending.find((r) => r.deviceId === deviceId) : undefined;
    setArrival({ target: current?.requestId ?? null, stale: true, seq: focusRequest.seq });
  }, [focusRequest, ready, auditLoaded, pending, store, onFocusHandled]);
  useEffect(() => {
    if (!arrival) return;
    const card = arrival.target ? listRef.current?.querySelector<HTMLElement>(`[data-request-id="${CSS.escape(arrival.target)}"]`) : null;
    const el = card ?? (arrival.stale ? staleRef.current : null);
    el?.scrollIntoView({ block: card ? 'center' : 'nearest' });
    el?.focus({ preventScroll: true });
  }, [arrival]);

  // After Approve or Deny the card goes away: the focus moves to the next card (or the heading), not to the page.
  const refocus = useRef<{ requestId: string; index: number } | null>(null);
  const sortedRef = useRef(sorted);
  sortedRef.current = sorted;
  const onDecided = useCallback((requestId: string) => {
    refocus.current = { requestId, index: sortedRef.current.findIndex((r) => r.requestId === requestId) };
  }, []);
  useEffect(() => {
    const r = refocus.current;
    if (!r || sorted.some((x) => x.requestId === r.requestId)) return;
    refocus.current = null;
    const cards = listRef.current?.querySelectorAll<HTMLElement>('[data-testid="request-card"]');
    const next = cards && cards.length > 0 ? cards[Math.min(Math.max(r.index, 0), cards.length - 1)] : null;
    (next ?? headingRef.current)?.focus();
  }, [sorted]);

  return (
    <section className="view view-requests" aria-labelledby="requests-title">
      <header className="view-header">
        <div>
          <h1 id="requests-title" ref={headingRef} tabIndex={-1}>Requests</h1>
          <p className="view-sub">
            {pending.length === 0 ? 'Nothing is waiting for you.' : `${pending.length} waiting for a decision`}
            <span className="sep" aria-hidden="true">·</span>
            Unanswered requests are denied when they expire.
          </p>
        </div>
      </header>
      {paused && (
        <div className="callout callout-warning">
          <div className="callout-title"><IconAlert /> Pairing is paused</div>
          <p className="small">New devices and upgrades are refused until you resume pairing.</p>
          <button type="button" className="btn btn-secondary btn-sm" onClick={onResume}>Resume pairing</button>
        </div>
      )}
      {arrival?.stale && (
        <div className="callout callout-warning" role="status" tabIndex={-1} ref={staleRef} data-testid="stale-request">
          <div className="callout-title">
            <IconAlert /> That request was replaced or has expired
            <span className="spacer" />
            <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setArrival(null)}><IconClose size={14} /></button>
          </div>
          <p className="small">
            {arrival.target && sorted.some((r) => r.requestId === arrival.target)
              ? 'Nothing was decided. The same device has a newer request, shown highlighted below.'
              : 'Nothing was decided, and that device has no request waiting now.'}
          </p>
        </div>
      )}
      {sorted.length === 0 ? (
        <div className="card empty-card">
          <h2>No pending requests</h2>
          <p className="muted">
            {attachedTo
              ? `Requests that the OpenClaw gateway at ${attachedTo} holds for a decision appear here. That gateway decides what it approves on its own.`
              : silentEnabled === false
              ? 'Silent approval is off: every new device and every upgrade will wait here for you.'
              : 'Local devices asking for more operator scopes are approved silently and recorded in Activity. Role changes, changed device details, and anything from a browser page or another machine wait here.'}
          </p>
        </div>
      ) : (
        <ul className="request-list" aria-label="Pending requests" ref={listRef}>
          {sorted.map((r) => <RequestCard key={r.requestId} req={r} held={byId.get(r.deviceId)} now={now} store={store} highlight={r.requestId === arrival?.target} onDecided={onDecided} />)}
        </ul>
      )}
    </section>
  );
}

function RequestCard({ req, held, now, store, highlight, onDecided }: {
  req: PendingRequestView;
  held: PairedDeviceView | undefined;
  now: number;
  store: DashboardStore;
  highlight: boolean;
  onDecided: (requestId: string) => void;
}) {
  const notify = useNotify();
  const [busy, setBusy] = useState<'approve' | 'deny' | null>(null);
  const [narrowing, setNarrowing] = useState(false);
  const asked = useMemo(() => normalizeScopes(req.scopes), [req.scopes]);
  const [chosen, setChosen] = useState<string[]>(asked);
  // The request may not repeat the name; fall back to the one the paired device reported before.
  const name = deviceName({ ...req, operatorLabel: held?.operatorLabel, displayName: req.displayName ?? held?.displayName });
  const who = `request from ${name.text}${name.reported ? ' (reported)' : ''}`;
  const askedRoles = normalizeScopes(req.roles?.length ? req.roles : [req.role]);
  const newRoles = askedRoles.filter((r) => !req.heldRoles.includes(r));
  const newScopes = scopesBeyond(req.role, asked, req.heldScopes);
  const keptScopes = asked.filter((s) => !newScopes.includes(s));
  // Exactly what Approve grants (the gateway computes it; narrowing picks a subset): never more than is shown.
  const grantScopes = narrowing ? normalizeScopes(chosen) : normalizeScopes(req.grant?.scopes ?? asked);
  const expiresIn = req.expiresAtMs - now;
  const expired = expiresIn <= 0;
  const titleId = `req-${req.requestId}-title`;
  const metaChanges: string[] = [];
  if (held && req.reason === 'metadata-upgrade') {
    if ((held.platform ?? '') !== (req.platform ?? '')) metaChanges.push(`platform ${shown(held.platform) || '—'} → ${shown(req.platform) || '—'}`);
    if ((held.deviceFamily ?? '') !== (req.deviceFamily ?? '')) metaChanges.push(`device family ${shown(held.deviceFamily) || '—'} → ${shown(req.deviceFamily) || '—'}`);
  }

  const decide = async (kind: 'approve' | 'deny') => {
    setBusy(kind);
    try {
      if (kind === 'approve') {
        const narrowed = narrowing && normalizeScopes(chosen).join(',') !== asked.join(',');
        await store.client.request('device.pair.approve', narrowed ? { requestId: req.requestId, scopes: normalizeScopes(chosen) } : { requestId: req.requestId });
        notify(`Approved ${name.text}.`, 'success');
      } else {
        await store.client.request('device.pair.reject', { requestId: req.requestId });
        notify(`Denied ${name.text}.`, 'info');
      }
      onDecided(req.requestId);
      store.dropRequest(req.requestId);
    } catch (err) {
      if (err instanceof GatewayRequestError && /unknown requestId/i.test(err.message)) {
        notify('This request was replaced or has expired. Nothing was changed.', 'warning');
        onDecided(req.requestId);
        store.dropRequest(req.requestId);
      } else {
        notify(`Could not ${kind} the request: ${errorText(err)}`, 'danger');
        setBusy(null);
      }
    }
  };

  return (
    <li className={`card request-card locality-${req.locality} ${highlight ? 'request-highlight' : ''}`} aria-labelledby={titleId} data-request-id={req.requestId} data-testid="request-card" tabIndex={-1}>
      <div className="request-head">
        <div className="request-who">
          <h2 id={titleId}><ReportedName text={name.text} reported={name.reported} /></h2>
          <span className="request-tags">
            <Badge tone={req.reason === 'role-upgrade' || req.reason === 'not-paired' ? 'accent' : 'info'}>{reasonLabel(req.reason)}</Badge>
            <Badge tone={req.locality === 'local' ? 'neutral' : 'warning'}>{localityLabel(req.locality)}</Badge>
            {req.isRepair && req.reason === 'not-paired' && <Badge tone="neutral" title="This device id was paired before">previously paired</Badge>}
          </span>
        </div>
        <div className={`expiry ${expiresIn < 60_000 ? 'expiry-soon' : ''}`} role="timer" aria-label={expired ? 'Expiring now' : `Expires in ${clock(expiresIn)}`}>
          <span className="expiry-label">{expired ? 'Expiring…' : 'Expires in'}</span>
          {!expired && <span className="expiry-clock" aria-hidden="true">{clock(expiresIn)}</span>}
        </div>
      </div>

      <div className="request-body">
        <div className="diff" aria-label="What the device asks for, compared with what it holds">
          <div className="diff-row">
            <span className="diff-label">Role</span>
            <span className="chips">
              {askedRoles.map((r) => newRoles.includes(r)
                ? <Chip key={r} variant="added" title="Not held yet">+ role {shown(r)}</Chip>
                : <Chip key={r} variant="held" title="Already held">role {shown(r)}</Chip>)}
            </span>
          </div>
          <div className="diff-row">
            <span className="diff-label">Scopes</span>
            <span className="chips">
              {newScopes.map((s) => <Chip key={s} variant="added" title="Not held yet">+ {shown(s)}</Chip>)}
              {keptScopes.map((s) => <Chip key={s} variant="held" title="Already held">{shown(s)}</Chip>)}
              {asked.length === 0 && <span className="muted">none asked</span>}
            </span>
          </div>
          <div className="diff-row">
            <span className="diff-label">Holds now</span>
            <span className="held-now">
              {req.heldRoles.length === 0 && req.heldScopes.length === 0 ? <span className="muted">{req.isRepair ? 'nothing — its earlier approval was revoked' : 'nothing — not paired yet'}</span> : (
                <span className="chips">
                  {req.heldRoles.map((r) => <Chip key={`r-${r}`} variant="muted">role {shown(r)}</Chip>)}
                  {req.heldScopes.map((s) => <Chip key={`s-${s}`} variant="muted">{shown(s)}</Chip>)}
                </span>
              )}
            </span>
          </div>
          <div className="diff-row" data-testid="request-grant">
            <span className="diff-label">Approve gives</span>
            <span className="chips">
              <Chip variant={newRoles.includes(req.role) ? 'added' : 'held'} title="The role of the new token">role {shown(req.role)}</Chip>
              {grantScopes.map((s) => <Chip key={s} variant={newScopes.includes(s) ? 'added' : 'held'} title="The new token carries exactly this scope">{shown(s)}</Chip>)}
              {grantScopes.length === 0 && <span className="muted">a token with no scopes</span>}
            </span>
          </div>
          {metaChanges.length > 0 && (
            <div className="diff-row">
              <span className="diff-label">Changed</span>
              <span>{metaChanges.join('; ')}</span>
            </div>
          )}
        </div>

        <dl className="facts request-facts">
          <dt>Fingerprint</dt>
          <dd className="mono">{req.fingerprint}</dd>
          <dt>From</dt>
          <dd>
            <span className={`tag ${req.locality === 'local' ? 'tag-local' : 'tag-remote'}`}>{req.locality}</span>{' '}
            <span className="mono">{req.sourceAddress}</span>
            {req.origin && <div className="small">page origin <span className="mono">{shown(req.origin)}</span></div>}
          </dd>
          <dt>Program</dt>
          <dd><ProgramFacts attribution={req.attribution} approvedFrom={req.approvedFrom} programChanged={req.programChanged} /></dd>
          <dt>Client</dt>
          <dd>{[req.clientId, req.clientMode, req.platform, req.deviceFamily].map(shown).filter(Boolean).join(' · ') || '—'} <ReportedTag /></dd>
          <dt>Asked</dt>
          <dd title={dateTime(req.createdAtMs)}>{ago(req.createdAtMs, now)}</dd>
        </dl>
      </div>

      {req.locality !== 'local' && (
        <p className="request-warning small">
          <IconAlert size={14} />
          {req.locality === 'browser'
            ? 'This came from a web page in a browser. Approve only if you opened that page yourself.'
            : 'This came from another machine. Approve only if you recognise the address and the fingerprint.'}
        </p>
      )}

      {narrowing && asked.length > 0 && (
        <fieldset className="scope-fieldset narrow-box">
          <legend>Grant only these scopes</legend>
          <div className="checks">
            {asked.map((s) => (
              <label key={s} className="check">
                <input type="checkbox" checked={chosen.includes(s)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, s] : c.filter((x) => x !== s)))} />
                <span className="mono">{shown(s)}</span>
                {newScopes.includes(s) && <span className="muted small">new</span>}
              </label>
            ))}
          </div>
        </fieldset>
      )}

      <div className="request-actions">
        {req.role === 'operator' && asked.length > 0 && (
          <button type="button" className="btn btn-ghost btn-sm" aria-expanded={narrowing} onClick={() => { setNarrowing(!narrowing); setChosen(asked); }}>
            {narrowing ? 'Grant everything asked' : 'Narrow scopes…'}
          </button>
        )}
        <span className="spacer" />
        <button type="button" className="btn btn-secondary" disabled={busy !== null || expired} onClick={() => decide('deny')} aria-label={`Deny ${who}`}>
          {busy === 'deny' ? 'Denying…' : 'Deny'}
        </button>
        <button type="button" className="btn btn-primary" disabled={busy !== null || expired || (narrowing && chosen.length === 0 && asked.length > 0)} onClick={() => decide('approve')} aria-label={`${narrowing ? 'Approve selected scopes for' : 'Approve'} ${who}`}>
          {busy === 'approve' ? 'Approving…' : narrowing ? 'Approve selected' : 'Approve'}
        </button>
      </div>
    </li>
  );
}
