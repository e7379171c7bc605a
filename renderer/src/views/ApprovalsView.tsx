// Approvals: commands agents want to run on a node, each waiting for the user (spec §12). Deny has the focus and
// Escape denies; the list is virtualised so a thousand waiting requests stay cheap. Below: nodes whose declared
// commands wait for the user, and the active 30-minute grants with Revoke.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { PairedDeviceView } from '../../../shared/pairing-types';
import { RISK_TEXT, displayCommand, type DisplayedCommand } from '../../../shared/exec-approval-display';
import {
  ALLOW_FOR_30_MINUTES, GRANT_DURATION_MS,
  type ApprovalGrant, type ApprovalRequester, type LoopgateApprovalView, type LoopgateDecision, type NodePairPendingView,
} from '../../../shared/exec-approval-types';
import type { ApprovalsState, ApprovalsStore } from '../approvals-store';
import type { FocusRequest } from '../App';
import { GatewayRequestError } from '../gateway-client';
import { ago, clock, dateTime, plural, shortId, shown, useNow } from '../format';
import { Badge, Chip, ReportedTag, errorText, useNotify } from '../components/ui';
import { IconAlert } from '../components/icons';

const CARD_ESTIMATE = 260;
let renderedMarked = false;

const GRANT_MINUTES = GRANT_DURATION_MS / 60_000;

const DECISION_TEXT: Record<LoopgateDecision, string> = {
  'allow-once': 'Allowed once',
  [ALLOW_FOR_30_MINUTES]: `Allowed for ${GRANT_MINUTES} minutes`,
  'allow-always': 'Always allowed',
  deny: 'Denied',
};

export function ApprovalsView({ state, store, devices, focusApproval = null, onFocusHandled }: {
  state: ApprovalsState;
  store: ApprovalsStore;
  devices: PairedDeviceView[];
  /** Where a notification or tray click pointed. */
  focusApproval?: FocusRequest | null;
  onFocusHandled?: () => void;
}) {
  const now = useNow(1000);
  const names = useMemo(() => new Map(devices.map((d) => [d.deviceId, shown(d.displayName) || shown(d.clientId)])), [devices]);
  const pending = state.pending;
  const scrollRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const virtualizer = useVirtualizer({
    count: pending.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CARD_ESTIMATE,
    getItemKey: (i) => pending[i]!.id,
    overscan: 3,
    initialRect: { width: 1000, height: 700 },
  });

  // Deny takes the focus: on arrival (the first request, or the one a notification pointed at), and after each
  // decision (the next request's Deny). `want` names the request whose Deny should get it once it is rendered.
  const [want, setWant] = useState<{ id: string | null; index: number; answered?: string } | null>(null);
  const [missing, setMissing] = useState(false);
  /** The request a notification or tray click pointed at, outlined until another arrival. */
  const [highlightId, setHighlightId] = useState<string | null>(null);
  const arrived = useRef(false);
  const handledSeq = useRef(0);
  useEffect(() => {
    if (!state.loaded) return;
    if (focusApproval && handledSeq.current < focusApproval.seq) {
      handledSeq.current = focusApproval.seq;
      onFocusHandled?.();
      // A node command request (from its notification or tray entry): its card takes the focus.
      if (state.nodeRequests.some((r) => r.requestId === focusApproval.id)) {
        setMissing(false);
        arrived.current = true;
        const el = document.querySelector<HTMLElement>(`[data-testid="node-request-card"][data-request-id="${CSS.escape(focusApproval.id)}"]`);
        el?.scrollIntoView({ block: 'center' });
        el?.focus();
        return;
      }
      const i = pending.findIndex((a) => a.id === focusApproval.id);
      setMissing(i < 0);
      setHighlightId(i >= 0 ? focusApproval.id : null);
      arrived.current = true;
      setWant(i >= 0 ? { id: focusApproval.id, index: i } : { id: pending[0]?.id ?? null, index: 0 });
      return;
    }
    if (!arrived.current && pending.length > 0) {
      arrived.current = true;
      setWant({ id: pending[0]!.id, index: 0 });
    }
  }, [state.loaded, state.nodeRequests, focusApproval, onFocusHandled, pending]);
  useEffect(() => {
    if (!want) return;
    if (pending.length === 0) { setWant(null); headingRef.current?.focus(); return; }
    // Just answered: wait for the list without it (this effect runs again when it changes).
    if (want.answered && pending.some((a) => a.id === want.answered)) return;
    let index = want.id ? pending.findIndex((a) => a.id === want.id) : -1;
    if (index < 0) index = Math.min(Math.max(want.index, 0), pending.length - 1);
    virtualizer.scrollToIndex(index, { align: 'auto' });
    const id = pending[index]!.id;
    // The row is rendered a frame or two after scrolling (measured cards may shift it): try for a few frames.
    let raf = 0;
    let tries = 0;
    const attempt = () => {
      const btn = scrollRef.current?.querySelector<HTMLButtonElement>(`[data-approval-id="${CSS.escape(id)}"] [data-action="deny"]`);
      if (btn) { btn.focus(); setWant(null); return; }
      if (++tries < 10) raf = requestAnimationFrame(attempt);
    };
    raf = requestAnimationFrame(attempt);
    return () => cancelAnimationFrame(raf);
  }, [want, pending, virtualizer]);

  // What the render bench measures: the first time the view shows waiting commands, and the frame after.
  useEffect(() => {
    if (renderedMarked || !state.loaded || pending.length === 0) return;
    renderedMarked = true;
    performance.mark('approvals-rendered', { detail: { count: pending.length } });
    requestAnimationFrame(() => setTimeout(() => performance.mark('approvals-painted', { detail: { count: pending.length } }), 0));
  }, [state.loaded, pending.length]);

  // The card that takes the place of the answered one (the same index) gets the focus, or the last one.
  const onDecided = useCallback((id: string, index: number) => setWant({ id: null, index, answered: id }), []);

  const total = pending.length + state.nodeRequests.length;
  return (
    <section className="view view-approvals" aria-labelledby="approvals-title">
      <header className="view-header">
        <div>
          <h1 id="approvals-title" ref={headingRef} tabIndex={-1}>Approvals</h1>
          <p className="view-sub" data-testid="approvals-summary">
            {total === 0 ? 'Nothing is waiting for you.' : `${plural(pending.length, 'command')} and ${plural(state.nodeRequests.length, 'node')} waiting`}
            <span className="sep" aria-hidden="true">·</span>
            Deny is the default: Escape denies, and a request nobody answers is denied at its timeout.
          </p>
        </div>
      </header>
      {missing && (
        <div className="callout callout-warning" role="status" data-testid="stale-approval">
          <div className="callout-title"><IconAlert /> That request was already answered or has timed out</div>
          <p className="small">It was decided elsewhere (another window, the tray or the command line), or nobody answered in time.</p>
        </div>
      )}
      {state.loadError && <div className="callout callout-warning" role="status">Could not load the waiting commands: {state.loadError}</div>}

      {pending.length === 0 ? (
        <div className="card empty-card">
          <h2>No commands waiting</h2>
          <p className="muted">When an agent wants to run a command on a node whose policy asks, it waits here for you.</p>
        </div>
      ) : (
        <div className="approval-scroll" ref={scrollRef} data-testid="approval-scroll">
          <ul className="approval-list" aria-label="Commands waiting for a decision" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((v) => {
              const a = pending[v.index]!;
              return (
                <ApprovalCard
                  key={a.id}
                  approval={a}
                  nodeName={a.nodeName ? shown(a.nodeName) : a.nodeId ? names.get(a.nodeId) : undefined}
                  now={now}
                  store={store}
                  onDecided={onDecided}
                  index={v.index}
                  top={v.start}
                  measure={virtualizer.measureElement}
                  highlight={highlightId === a.id}
                />
              );
            })}
          </ul>
        </div>
      )}

      <NodeRequests requests={state.nodeRequests} store={store} />
      <Grants grants={state.grants} store={store} now={now} names={names} />
    </section>
  );
}

/** The command, with the request's marked spans and any hidden characters shown. */
export function CommandText({ shown: d, className = '' }: { shown: DisplayedCommand; className?: string }) {
  return (
    <code className={`approval-command ${className}`} data-testid="approval-command">
      {d.segments.map((s, i) => s.kind === 'plain' ? <span key={i}>{s.text}</span>
        : s.kind === 'marked' ? <mark key={i} className="cmd-marked" title="Marked by the gateway">{s.text}</mark>
          : <span key={i} className="cmd-hidden" title="A hidden or control character">{s.text}</span>)}
    </code>
  );
}

const REQUESTER_KIND: Record<ApprovalRequester['kind'], string> = {
  owner: 'Loopgate owner session',
  token: 'gateway token holder',
  device: 'paired device',
  upstream: 'the OpenClaw gateway',
};

/** Who asked: the gateway's label first, then what the client reported about itself (marked as reported). */
export function requesterText(r: ApprovalRequester | null | undefined): { text: string; reported: string } {
  if (!r) return { text: 'unknown', reported: '' };
  const text = shown(r.label) || [REQUESTER_KIND[r.kind] ?? shown(r.kind), r.deviceId ? shortId(r.deviceId) : ''].filter(Boolean).join(' ');
  const reported = [shown(r.displayName), [shown(r.clientId), shown(r.clientMode)].filter(Boolean).join('/')].filter(Boolean).join(' · ');
  return { text, reported };
}

const ApprovalCard = memo(function ApprovalCard({ approval, nodeName, now, store, onDecided, index, top, measure, highlight }: {
  approval: LoopgateApprovalView;
  nodeName: string | undefined;
  now: number;
  store: ApprovalsStore;
  onDecided: (id: string, index: number) => void;
  index: number;
  top: number;
  measure: (el: Element | null) => void;
  highlight: boolean;
}) {
  const notify = useNotify();
  const [busy, setBusy] = useState<LoopgateDecision | null>(null);
  const req = approval;
  const command = useMemo(() => displayCommand(req.commandText, req.commandSpans), [req]);
  const preview = useMemo(() => (req.commandPreview ? displayCommand(req.commandPreview) : null), [req]);
  const risks = useMemo(() => {
    // The gateway's own warning lines say more than the generic "flagged" sentence.
    const hasWarning = Boolean(req.warningText?.trim()) || (req.warningLines?.length ?? 0) > 0;
    const out = (req.risks ?? []).filter((r) => !(r === 'warning' && hasWarning)).map((r) => RISK_TEXT[r] ?? RISK_TEXT.other);
    if (command.hiddenCount > 0) out.push('The command contains hidden or control characters.');
    return [...new Set(out)];
  }, [req, command]);
  const warnings = [req.warningText ?? '', ...(req.warningLines ?? [])].map((w) => shown(w)).filter(Boolean);
  const allowed: readonly string[] = Array.isArray(req.allowedDecisions) ? req.allowedDecisions : ['allow-once', 'allow-always', 'deny'];
  const left = approval.expiresAtMs - now;
  const expired = left <= 0;
  const who = requesterText(approval.requester);
  const titleId = `approval-${approval.id}-title`;

  const decide = async (decision: LoopgateDecision) => {
    if (busy) return;
    setBusy(decision);
    try {
      await store.resolve(approval.id, decision);
      notify(`${DECISION_TEXT[decision]}: ${command.text.slice(0, 80)}`, decision === 'deny' ? 'info' : 'success');
      onDecided(approval.id, index);
    } catch (err) {
      const reason = err instanceof GatewayRequestError ? (err.details as { reason?: string } | undefined)?.reason : undefined;
      if (reason === 'APPROVAL_NOT_FOUND' || reason === 'APPROVAL_ALREADY_RESOLVED') {
        notify('This request was already answered or has timed out. Nothing was changed.', 'warning');
        onDecided(approval.id, index);
        store.drop(approval.id);
      } else {
        notify(`Could not answer the request: ${errorText(err)}`, 'danger');
        setBusy(null);
      }
    }
  };
  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    e.preventDefault();
    void decide('deny');
  };

  return (
    <li ref={measure} data-index={index} style={{ transform: `translateY(${top}px)` }} className="approval-item" data-approval-id={approval.id} onKeyDown={onKeyDown}>
      <article
        className={`card approval-card ${risks.length || warnings.length ? 'approval-risky' : ''} ${highlight ? 'request-highlight' : ''}`}
        aria-labelledby={titleId}
        data-testid="approval-card"
      >
        <div className="request-head">
          <div className="approval-what">
            <h2 id={titleId} className="approval-title">
              <span className="visually-hidden">Command: </span>
              <CommandText shown={command} />
            </h2>
            {preview && <div className="small muted">runs <CommandText shown={preview} className="approval-preview" /></div>}
            {command.truncated && <div className="small muted">Shown cut at {command.text.length - 1} characters.</div>}
          </div>
          <div className={`expiry ${left < 60_000 ? 'expiry-soon' : ''}`} role="timer" aria-label={expired ? 'Timing out now' : `Denied in ${clock(left)} unless answered`}>
            <span className="expiry-label">{expired ? 'Timing out…' : 'Denied in'}</span>
            {!expired && <span className="expiry-clock" aria-hidden="true">{clock(left)}</span>}
          </div>
        </div>

        {(risks.length > 0 || warnings.length > 0) && (
          <div className="approval-risk small" data-testid="approval-risk">
            <IconAlert size={14} />
            <div>
              <strong>Look closely before allowing.</strong>
              <ul>
                {warnings.map((w, i) => <li key={`w${i}`}>{w}</li>)}
                {risks.map((r) => <li key={r}>{r}</li>)}
              </ul>
            </div>
          </div>
        )}

        <dl className="facts approval-facts">
          <dt>Working folder</dt>
          <dd className="mono">{shown(req.cwd) || <span className="muted">not given</span>}</dd>
          <dt>Node</dt>
          <dd>
          {req.nodeId ? <>{nodeName ? <>{nodeName} <ReportedTag /> </> : null}<span className="mono small">{shortId(req.nodeId)}</span></>
            : req.host === 'gateway' ? 'this machine (the gateway host)' : shown(req.host) || '—'}
        </dd>
          <dt>Agent</dt>
          <dd>{shown(req.agentId) || <span className="muted">—</span>}</dd>
          <dt>Session</dt>
          <dd className="mono">{shown(req.sessionKey) || <span className="muted">—</span>}</dd>
          <dt>Asked by</dt>
          <dd data-testid="approval-requester">{who.text}{who.reported && <> · {who.reported} <ReportedTag /></>}</dd>
          <dt>Asked</dt>
          <dd title={dateTime(approval.createdAtMs)}>{ago(approval.createdAtMs, now)}</dd>
        </dl>

        <div className="request-actions approval-actions">
          <button type="button" className="btn btn-danger" data-action="deny" disabled={busy !== null} onClick={() => decide('deny')} aria-keyshortcuts="Escape">
            {busy === 'deny' ? 'Denying…' : 'Deny'}
          </button>
          <span className="spacer" />
          <button type="button" className="btn btn-secondary" data-action="allow-once" disabled={busy !== null || expired || !allowed.includes('allow-once')} onClick={() => decide('allow-once')}>
            {busy === 'allow-once' ? 'Allowing…' : 'Allow once'}
          </button>
          {/* A grant is Loopgate's own: a request relayed from an attached OpenClaw gateway cannot be bound by it. */}
          {approval.requester?.kind !== 'upstream' && (
            <button type="button" className="btn btn-secondary" data-action="allow-30m" disabled={busy !== null || expired || !allowed.includes(ALLOW_FOR_30_MINUTES)} onClick={() => decide(ALLOW_FOR_30_MINUTES)}
              title={allowed.includes(ALLOW_FOR_30_MINUTES)
              ? `Allow now, and the same command in the same folder for the same agent on this node for ${GRANT_MINUTES} minutes`
              : 'Offered only for a command on a node that could also be always allowed'}>
              {busy === ALLOW_FOR_30_MINUTES ? 'Allowing…' : `Allow for ${GRANT_MINUTES} minutes`}
            </button>
          )}
          <button type="button" className="btn btn-secondary" data-action="allow-always" disabled={busy !== null || expired || !allowed.includes('allow-always')} onClick={() => decide('allow-always')}
            title={allowed.includes('allow-always') ? 'The node adds this command to its allowlist' : 'The node asks for this command every time: it cannot be always allowed'}>
            {busy === 'allow-always' ? 'Allowing…' : 'Always allow'}
          </button>
        </div>
      </article>
    </li>
  );
});

function NodeRequests({ requests, store }: { requests: NodePairPendingView[]; store: ApprovalsStore }) {
  const notify = useNotify();
  const [busy, setBusy] = useState<string | null>(null);
  if (requests.length === 0) return null;
  const decide = async (r: NodePairPendingView, approve: boolean) => {
    setBusy(r.requestId);
    try {
      await store.decideNode(r.requestId, approve);
      notify(approve ? 'The node\u2019s commands are approved.' : 'The node\u2019s commands are refused.', approve ? 'success' : 'info');
    } catch (err) {
      notify(`Could not ${approve ? 'approve' : 'reject'} the node: ${errorText(err)}`, 'danger');
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="approval-section" aria-labelledby="node-requests-title">
      <h2 id="node-requests-title" className="section-title">Node commands waiting</h2>
      <p className="small muted">A node declared commands it can run for agents. Until you approve them, nothing is relayed to it.</p>
      <ul className="node-request-list">
        {requests.map((r) => {
          const before = new Set(r.approvedCommands ?? []);
          const commands = (r.commands ?? []).map(shown).filter(Boolean);
          return (
            <li key={r.requestId} className="card node-request-card" data-testid="node-request-card" data-request-id={r.requestId} tabIndex={-1} aria-labelledby={`node-${r.requestId}-title`}>
              <div className="request-head">
                <h3 id={`node-${r.requestId}-title`}>{shown(r.displayName) || `Node ${shortId(r.nodeId)}`} {r.displayName ? <ReportedTag /> : null}</h3>
                <span className="request-tags">
                  {r.isWidening ? <Badge tone="accent">More commands</Badge> : <Badge tone="info">New node</Badge>}
                  <Badge tone={r.locality === 'local' ? 'neutral' : 'warning'}>{r.locality === 'local' ? 'Local' : r.locality === 'browser' ? 'Browser page' : 'Remote'}</Badge>
                </span>
              </div>
              <dl className="facts">
                <dt>Commands</dt>
                <dd className="chips">{commands.length ? commands.map((c) => <Chip key={c} variant={before.has(c) ? 'held' : 'added'}>{before.has(c) ? c : `+ ${c}`}</Chip>) : <span className="muted">none</span>}</dd>
                {r.caps && r.caps.length > 0 && (<><dt>Capabilities</dt><dd className="chips">{r.caps.map(shown).filter(Boolean).map((c) => <Chip key={c}>{c}</Chip>)}</dd></>)}
                <dt>Client</dt>
                <dd>{[shown(r.clientId), shown(r.clientMode), shown(r.platform), shown(r.version)].filter(Boolean).join(' · ') || '—'} <ReportedTag /></dd>
                {r.remoteIp && (<><dt>From</dt><dd className="mono">{shown(r.remoteIp)}</dd></>)}
                <dt>Node id</dt>
                <dd className="mono small">{r.nodeId}</dd>
              </dl>
              <div className="request-actions">
                <button type="button" className="btn btn-secondary" disabled={busy !== null} onClick={() => decide(r, false)}>Reject</button>
                <span className="spacer" />
                <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => decide(r, true)}>Approve commands</button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Grants({ grants, store, now, names }: { grants: ApprovalGrant[]; store: ApprovalsStore; now: number; names: Map<string, string> }) {
  const notify = useNotify();
  const live = grants.filter((g) => g.expiresAtMs > now);
  return (
    <section className="approval-section" aria-labelledby="grants-title">
      <h2 id="grants-title" className="section-title">Allowed for {GRANT_MINUTES} minutes</h2>
      {live.length === 0 ? <p className="small muted">No active grants. “Allow for {GRANT_MINUTES} minutes” lets the same command, in the same folder, for the same agent on the same node run again without asking until it expires.</p> : (
        <ul className="grant-list card card-flush">
          {live.map((g) => {
            const cmd = displayCommand(g.commandText ?? (g.argv ?? []).join(' '));
            return (
              <li key={g.grantId} className="grant-row" data-testid="grant-row" data-grant-id={g.grantId}>
                <div className="grant-what">
                  <CommandText shown={cmd} />
                  <div className="small muted">
                    in <span className="mono">{shown(g.cwd) || '—'}</span>
                    {g.agentId ? <> · agent {shown(g.agentId)}</> : null}
                    {g.nodeId ? <> · node {names.get(g.nodeId) || shortId(g.nodeId)}</> : null}
                  </div>
                </div>
                <span className="small" role="timer" aria-label={`Expires in ${clock(g.expiresAtMs - now)}`} title={dateTime(g.expiresAtMs)}>
                  expires in {clock(g.expiresAtMs - now)}
                </span>
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  onClick={async () => {
                    try { await store.revokeGrant(g.grantId); notify('Grant revoked: that command asks again.', 'info'); } catch (err) { notify(`Could not revoke: ${errorText(err)}`, 'danger'); }
                  }}
                  aria-label={`Revoke the grant for ${cmd.text.slice(0, 60)}`}
                >Revoke</button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
