// Device detail: identity, narrow operator scopes, rotate or revoke a token, remove the device.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AuditEntry, PairedDeviceView, TokenSummary } from '../../../shared/pairing-types';
import { OPERATOR_SCOPES, normalizeScopes, roleScopesAllow } from '../../../shared/scopes';
import type { DashboardStore } from '../store';
import { ago, dateTime, deviceName, isRemoteDevice, shown, useNow } from '../format';
import { Badge, Chip, ConfirmAction, ConnectedState, CopyButton, ReportedName, ReportedText, errorText, useNotify } from '../components/ui';
import { IconAlert, IconBack, IconKey } from '../components/icons';
import { AuditList } from './ActivityView';
import { ProgramRefText } from '../components/ProgramFacts';
import { RenameDevice } from './RenameDevice';

interface RotatedToken {
  role: string;
  token: string;
  scopes: string[];
}

export function DeviceDetail({ deviceId, device, store, audit, onBack }: {
  deviceId: string;
  device: PairedDeviceView | undefined;
  store: DashboardStore;
  audit: AuditEntry[];
  onBack: () => void;
}) {
  const notify = useNotify();
  const now = useNow(15_000);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const accessRef = useRef<HTMLHeadingElement>(null);
  const tokensRef = useRef<HTMLTableElement>(null);
  const [rotated, setRotated] = useState<RotatedToken | null>(null);
  useEffect(() => { headingRef.current?.focus(); }, [deviceId]);
  const history = useMemo(() => audit.filter((e) => e.deviceId === deviceId).slice(0, 12), [audit, deviceId]);

  if (!device) {
    return (
      <section className="view" aria-labelledby="detail-title">
        <button type="button" className="btn btn-ghost back" onClick={onBack}><IconBack /> All devices</button>
        <div className="card empty-card">
          <h1 id="detail-title" ref={headingRef} tabIndex={-1}>Device not paired</h1>
          <p className="muted">The device <span className="mono">{deviceId.slice(0, 16)}…</span> is no longer in the pairing store. It was removed, or its list is still loading.</p>
        </div>
      </section>
    );
  }

  const name = deviceName(device);
  const remote = isRemoteDevice(device);
  const roles = (device.roles.length ? device.roles : device.role ? [device.role] : []).map(shown);

  const rotate = async (t: TokenSummary) => {
    try {
      const res = await store.client.request<{ role: string; token: string; scopes: string[] }>('device.token.rotate', { deviceId: device.deviceId, role: t.role });
      setRotated({ role: res.role ?? t.role, token: res.token, scopes: res.scopes ?? [] });
      notify(`New ${t.role} token issued. The old one no longer works.`, 'success');
      store.scheduleList(50);
    } catch (err) {
      notify(`Could not rotate the ${t.role} token: ${errorText(err)}`, 'danger');
    }
  };
  const revoke = async (t: TokenSummary) => {
    try {
      await store.client.request('device.token.revoke', { deviceId: device.deviceId, role: t.role });
      // The Revoke button goes away with the token: the focus stays in the row, on Rotate.
      tokensRef.current?.querySelector<HTMLButtonElement>(`tr[data-testid="token-${CSS.escape(t.role)}"] button`)?.focus();
      notify(`The ${shown(t.role)} token was revoked; the device was disconnected.`, 'success');
      store.scheduleList(50);
    } catch (err) {
      notify(`Could not revoke the ${t.role} token: ${errorText(err)}`, 'danger');
    }
  };
  const remove = async () => {
    try {
      await store.client.request('device.pair.remove', { deviceId: device.deviceId });
      notify(`${name.text} was removed. It must pair again to connect.`, 'success');
      store.removeDevice(device.deviceId);
      onBack();
    } catch (err) {
      notify(`Could not remove the device: ${errorText(err)}`, 'danger');
    }
  };

  return (
    <section className="view view-detail" aria-labelledby="detail-title">
      <button type="button" className="btn btn-ghost back" onClick={onBack}><IconBack /> All devices</button>
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 id="detail-title" ref={headingRef} tabIndex={-1}><ReportedName text={name.text} reported={name.reported} as="span" /></h1>
          <ConnectedState connected={device.connected} />
        </div>
        <p className="view-sub">
          <span className="mono">{device.fingerprint}</span>
          <span className="sep" aria-hidden="true">·</span>
          {remote ? <>remote <span className="mono">{device.remoteIp}</span></> : 'local'}
          <span className="sep" aria-hidden="true">·</span>
          {device.connected ? 'connected now' : `last seen ${ago(device.lastSeenAtMs, now)}`}
        </p>
      </header>

      <div className="detail-grid">
        <div className="detail-main">
          <div className="card">
            <h2 ref={accessRef} tabIndex={-1}>Access</h2>
            <dl className="facts facts-inline">
              <dt>Roles</dt>
              <dd><span className="chips">{roles.map((r) => <Chip key={r} variant="held">{r}</Chip>)}{roles.length === 0 && <span className="muted">none</span>}</span></dd>
            </dl>
            {roles.includes('operator') ? <NarrowScopes key={(device.approvedScopes.length ? device.approvedScopes : device.scopes).join(',')} device={device} store={store} onNarrowed={() => accessRef.current?.focus()} /> : (
              <p className="muted">This device holds no operator role, so it has no operator scopes to narrow.</p>
            )}
          </div>

          <div className="card">
            <h2>Tokens</h2>
            <p className="card-help">Each role has its own device token. Rotating issues a new token and stops the old one; revoking stops it and disconnects the device.</p>
            {rotated && (
              <div className="callout callout-success" role="region" aria-label={`New ${rotated.role} token`}>
                <div className="callout-title"><IconKey /> New {rotated.role} token — shown once</div>
                <p className="small">Give it to the device now. Loopgate keeps only its hash and cannot show it again.</p>
                <div className="secret-row">
                  <code className="secret" data-testid="rotated-token">{rotated.token}</code>
                  <CopyButton getText={() => rotated.token} ariaLabel={`Copy the new ${rotated.role} token`} />
                  <button type="button" className="btn btn-ghost" onClick={() => setRotated(null)}>Done</button>
                </div>
              </div>
            )}
            {device.tokens.length === 0 ? <p className="muted">No tokens issued.</p> : (
              <table className="plain-table tokens-table" ref={tokensRef}>
                <thead>
                  <tr><th scope="col">Role</th><th scope="col">Scopes</th><th scope="col">Issued</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
                </thead>
                <tbody>
                  {device.tokens.map((t) => (
                    <tr key={t.role} data-testid={`token-${t.role}`}>
                      <th scope="row"><Chip variant="held">{shown(t.role)}</Chip></th>
                      <td>{t.scopes.length ? <span className="chips">{t.scopes.map((s) => <Chip key={s}>{shown(s).replace(/^operator\./, '')}</Chip>)}</span> : <span className="muted">—</span>}</td>
                      <td className="small" title={dateTime(t.rotatedAtMs ?? t.createdAtMs)}>{t.rotatedAtMs ? `rotated ${ago(t.rotatedAtMs, now)}` : ago(t.createdAtMs, now)}</td>
                      <td className="small">{t.lastUsedAtMs ? ago(t.lastUsedAtMs, now) : <span className="muted">never</span>}</td>
                      <td>{t.revokedAtMs ? <Badge tone="danger" title={dateTime(t.revokedAtMs)}>Revoked</Badge> : <Badge tone="success">Active</Badge>}</td>
                      <td className="actions-cell">
                        <ConfirmAction
                          size="sm"
                          label="Rotate"
                          variant="secondary"
                          ariaLabel={`Rotate the ${t.role} token`}
                          question={`Issue a new ${t.role} token? The current one stops working.`}
                          confirmLabel="Rotate token"
                          onConfirm={() => rotate(t)}
                        />
                        {!t.revokedAtMs && (
                          <ConfirmAction
                            size="sm"
                            label="Revoke"
                            ariaLabel={`Revoke the ${t.role} token`}
                            question={`Revoke the ${t.role} token and disconnect the device?`}
                            confirmLabel="Revoke token"
                            onConfirm={() => revoke(t)}
                          />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>

          <div className="card">
            <h2>Recent activity</h2>
            {history.length === 0 ? <p className="muted">No recorded decisions for this device in the loaded log.</p> : <AuditList entries={history} devices={null} compact />}
          </div>
        </div>

        <aside className="detail-side">
          <div className="card">
            <h2>Identity</h2>
            <dl className="facts">
              <dt>Device ID</dt>
              <dd className="mono break">{device.deviceId}</dd>
              <dt>Fingerprint</dt>
              <dd className="mono">{device.fingerprint}</dd>
              <dt>Public key</dt>
              <dd className="mono break small">{device.publicKey}</dd>
              <dt>Your name</dt>
              <dd><RenameDevice device={device} store={store} /></dd>
              <dt>Reported name</dt>
              <dd data-testid="detail-name"><ReportedText text={device.displayName ?? ''} empty="not reported" /></dd>
              <dt>Client</dt>
              <dd data-testid="detail-client"><ReportedText text={[shown(device.clientId), shown(device.clientMode)].filter(Boolean).join(' · ')} /></dd>
              <dt>Platform</dt>
              <dd data-testid="detail-platform"><ReportedText text={[shown(device.platform), shown(device.deviceFamily)].filter(Boolean).join(' · ')} /></dd>
              <dt>Address</dt>
              <dd>{remote ? <><span className="tag tag-remote">remote</span> <span className="mono">{device.remoteIp}</span></> : <span className="tag tag-local">local</span>}</dd>
              <dt>Paired</dt>
              <dd>{dateTime(device.createdAtMs)}</dd>
              <dt>Approved</dt>
              <dd>{dateTime(device.approvedAtMs)}{device.approvedVia ? <span className="muted"> · {device.approvedVia === 'silent' ? 'silently' : `by ${shown(device.approvedVia)}`}</span> : null}</dd>
              <dt>Approved from</dt>
              <dd><ProgramRefText program={device.approvedFrom} testId="detail-approved-from" /></dd>
              <dt>Last connected from</dt>
              <dd>
                <ProgramRefText program={device.lastFrom} testId="detail-last-from" />
                {device.programChanged && <div className="small request-warning" data-testid="detail-program-changed"><IconAlert size={12} /> Not the program it was approved from{'; its next upgrade will be asked about (Settings: program pinning)'}.</div>}
              </dd>
              <dt>Last seen</dt>
              <dd>{device.connected ? 'connected now' : device.lastSeenAtMs ? dateTime(device.lastSeenAtMs) : 'never'}{!device.connected && device.lastSeenReason ? <span className="muted"> · {shown(device.lastSeenReason)}</span> : null}</dd>
            </dl>
          </div>
          <div className="card card-danger">
            <h2>Remove device</h2>
            <p className="card-help">Forget this device and all its tokens. It is disconnected and has to pair again.</p>
            <ConfirmAction
              label="Remove device…"
              ariaLabel={`Remove ${name.text}`}
              question="Remove this device and disconnect it?"
              confirmLabel="Remove device"
              onConfirm={remove}
            />
          </div>
        </aside>
      </div>
    </section>
  );
}

function NarrowScopes({ device, store, onNarrowed }: { device: PairedDeviceView; store: DashboardStore; onNarrowed: () => void }) {
  const notify = useNotify();
  const approved = useMemo(() => normalizeScopes(device.approvedScopes.length ? device.approvedScopes : device.scopes), [device.approvedScopes, device.scopes]);
  const [selected, setSelected] = useState<string[]>(approved);
  const [saving, setSaving] = useState(false);
  const key = approved.join(',');
  const kept = normalizeScopes(selected);
  const implied = OPERATOR_SCOPES.filter((s) => !approved.includes(s) && roleScopesAllow('operator', [s], kept));
  const notHeld = OPERATOR_SCOPES.filter((s) => !approved.includes(s) && !implied.includes(s));
  const changed = normalizeScopes(selected).join(',') !== key;
  const dropped = approved.filter((s) => !kept.includes(s));
  const save = async () => {
    setSaving(true);
    try {
      const res = await store.client.request<{ device: PairedDeviceView }>('loopgate.device.narrow', { deviceId: device.deviceId, scopes: normalizeScopes(selected) });
      // This fieldset is replaced by one for the new scopes: the focus goes to the Access heading first.
      onNarrowed();
      if (res?.device) store.upsertDevice(res.device);
      store.scheduleList(50);
      notify('Scopes narrowed. The device\u2019s tokens were cut down to match.', 'success');
    } catch (err) {
      notify(`Could not narrow the scopes: ${errorText(err)}`, 'danger');
    } finally {
      setSaving(false);
    }
  };
  return (
    <fieldset className="scope-fieldset">
      <legend>Operator scopes</legend>
      <p className="field-help">Untick what this device should no longer have; its tokens are cut down to match. Getting a scope back takes a new request from the device.</p>
      <div className="checks">
        {approved.map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={selected.includes(s)}
              disabled={saving}
              onChange={(e) => setSelected((cur) => (e.target.checked ? [...cur, s] : cur.filter((x) => x !== s)))}
            />
            <span className="mono">{shown(s)}</span>
          </label>
        ))}
        {approved.length === 0 && <span className="muted">No operator scopes approved.</span>}
      </div>
      {(implied.length > 0 || notHeld.length > 0) && (
        <p className="field-help">
          {implied.length > 0 && <>Implied by what is kept: <span className="mono">{implied.join(', ')}</span>. </>}
          {notHeld.length > 0 && <>Not held: <span className="mono">{notHeld.join(', ')}</span>.</>}
        </p>
      )}
      <div className="form-actions">
        {/* Narrowing takes scopes away (getting them back needs a new request): it asks once, like Remove. */}
        <ConfirmAction
          label={saving ? 'Saving…' : 'Save scopes'}
          variant="primary"
          disabled={!changed || saving}
          question={<>Take away <span className="mono">{dropped.map(shown).join(', ') || 'these scopes'}</span>? The device&rsquo;s tokens are cut down at once.</>}
          confirmLabel="Narrow scopes"
          onConfirm={save}
        />
        {changed && !saving && <button type="button" className="btn btn-ghost" onClick={() => setSelected(approved)}>Reset</button>}
      </div>
    </fieldset>
  );
}
