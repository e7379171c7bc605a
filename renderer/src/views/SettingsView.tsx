// Settings: silent-approval policy and its ceiling, pause pairing, how long commands wait for approval, port, the
// gateway token, appearance.
import { useEffect, useId, useState } from 'react';
import type { GatewayConfig } from '../../../shared/config';
import { OPERATOR_SCOPES, normalizeScopes } from '../../../shared/scopes';
import type { DashboardStore, GatewayStatus } from '../store';
import type { ThemePref } from '../theme';
import { duration } from '../format';
import { DEFAULT_EXEC_APPROVAL_TIMEOUT_MS } from '../../../shared/exec-approval-types';
import { ConfirmAction, CopyButton, Switch, errorText, useNotify } from '../components/ui';
import { IconEye, IconEyeOff } from '../components/icons';
import { DesktopSettings } from '../desktop';

export function SettingsView({ config, configPath, status, store, theme, onTheme, attachedTo }: {
  /** Attach mode: the OpenClaw gateway relayed; these settings are for Loopgate's own gateway. */
  attachedTo?: string;
  config: GatewayConfig | null;
  configPath: string | null;
  status: GatewayStatus | null;
  store: DashboardStore;
  theme: ThemePref;
  onTheme: (t: ThemePref) => void;
}) {
  const notify = useNotify();
  useEffect(() => { void store.loadStatus().catch(() => {}); }, [store]);
  const setPath = async (path: string, value: unknown, done: string) => {
    try {
      await store.setConfig(path, value);
      notify(done, 'success');
      return true;
    } catch (err) {
      notify(`Could not save: ${errorText(err)}`, 'danger');
      return false;
    }
  };

  return (
    <section className="view view-settings" aria-labelledby="settings-title">
      <header className="view-header">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p className="view-sub">{configPath ? <>Saved in <span className="mono">{configPath}</span></> : 'Gateway settings'}</p>
        </div>
      </header>
      {attachedTo && (
        <div className="callout" role="note" data-testid="attach-settings-note">
          <p className="small">
            Loopgate is attached to the OpenClaw gateway at <span className="mono">{attachedTo}</span>. That gateway keeps its own
            policy and token; the pairing policy and gateway token below belong to Loopgate&rsquo;s own gateway and apply when it runs
            one. To run Loopgate&rsquo;s own gateway beside it instead, save a free port below and start Loopgate without attach mode.
          </p>
        </div>
      )}
      {!config ? <div className="card"><p className="muted">Loading settings…</p></div> : (
        <div className="settings-grid">
          <div className="settings-col">
            <div className="card">
              <h2>Pairing policy</h2>
              <Switch
                label="Approve local devices silently"
                checked={config.silentApproval.enabled}
                onChange={(v) => setPath('silentApproval.enabled', v, v ? 'Silent approval is on.' : 'Silent approval is off: every request will ask you.')}
                description="A device on this machine that proves it can read your gateway token is paired, or given more operator scopes, without asking. Role changes and anything from a browser or another machine always ask."
              />
              <CeilingEditor key={JSON.stringify(config.silentApproval.ceiling)} ceiling={config.silentApproval.ceiling} disabled={!config.silentApproval.enabled} onSave={(v) => setPath('silentApproval.ceiling', v, v === null ? 'Silent approval may grant every operator scope.' : 'Silent approval ceiling saved.')} />
              <hr />
              <Switch
                label="Pause pairing"
                checked={config.pairingPaused}
                onChange={(v) => setPath('pairingPaused', v, v ? 'Pairing paused: new requests are refused.' : 'Pairing resumed.')}
                description="Refuse every new pairing request and upgrade. Devices already paired keep connecting."
              />
              <hr />
              <Switch
                label="Ask when a device changes program"
                checked={config.programPinning}
                onChange={(v) => setPath('programPinning', v, v ? 'A device coming back from another program will be asked about.' : 'Program pinning is off.')}
                description="A device remembers the program it was approved from. When it comes back from another executable, its next silent approval becomes a request that shows both programs. Sub-agents of the same program stay silent."
              />
              <p className="small muted" data-testid="attribution-method">
                Who is asking: {status?.attribution ? (status.attribution.works ? status.attribution.text : `${status.attribution.text}.`) : '—'}
              </p>
            </div>
            {!attachedTo && <ApprovalTimeoutCard timeoutMs={config.approvals?.timeoutMs ?? DEFAULT_EXEC_APPROVAL_TIMEOUT_MS} onSave={(ms) => setPath('approvals.timeoutMs', ms, `Commands now wait ${duration(ms)} for an answer.`)} />}
            {!attachedTo && <GatewayTokenCard store={store} />}
          </div>
          <div className="settings-col">
            <DesktopSettings />
            <PortCard key={config.port} port={config.port} runningPort={status?.port ?? null} onSave={(p) => setPath('port', p, 'Port saved. It takes effect when the gateway restarts.')} />
            <div className="card">
              <h2>Appearance</h2>
              <ThemeChooser value={theme} onChange={onTheme} />
            </div>
            <div className="card">
              <h2>Gateway</h2>
              <dl className="facts">
                <dt>Version</dt><dd>{status?.version ?? '—'}</dd>
                <dt>Running for</dt><dd>{status ? duration(status.uptimeMs) : '—'}</dd>
                <dt>Connections</dt><dd>{status?.connections ?? '—'}</dd>
                <dt>Pending timeout</dt><dd>{duration(config.limits.pendingTtlMs)}</dd>
                <dt>Deny cooldown</dt><dd>{duration(config.limits.denyCooldownMs)}</dd>
                <dt>Pending limit</dt><dd>{config.limits.pendingMax} overall, {config.limits.pendingPerAddress} per address</dd>
              </dl>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

const TIMEOUT_CHOICES_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 240];

/** How long a command waits for an answer before it is denied (the reference's default: 30 minutes). */
function ApprovalTimeoutCard({ timeoutMs, onSave }: { timeoutMs: number; onSave: (ms: number) => Promise<boolean> }) {
  const id = useId();
  const choices = TIMEOUT_CHOICES_MIN.map((m) => m * 60_000);
  if (!choices.includes(timeoutMs)) choices.push(timeoutMs);
  choices.sort((a, b) => a - b);
  return (
    <div className="card">
      <h2>Command approvals</h2>
      <div className="field">
        <label htmlFor={id}>A command waits for your answer</label>
        <select id={id} value={timeoutMs} aria-describedby={`${id}-help`} onChange={(e) => void onSave(Number(e.target.value))}>
          {choices.map((ms) => <option key={ms} value={ms}>{duration(ms)}{ms === DEFAULT_EXEC_APPROVAL_TIMEOUT_MS ? ' (default)' : ''}</option>)}
        </select>
        <p id={`${id}-help`} className="field-help">Then it is denied. A request that sets its own timeout keeps it.</p>
      </div>
    </div>
  );
}

function CeilingEditor({ ceiling, disabled, onSave }: { ceiling: string[] | null; disabled: boolean; onSave: (v: string[] | null) => Promise<boolean> }) {
  const [limited, setLimited] = useState(ceiling !== null);
  const [chosen, setChosen] = useState<string[]>(ceiling ?? OPERATOR_SCOPES.filter((s) => s !== 'operator.pairing' && s !== 'operator.admin'));
  const [saving, setSaving] = useState(false);
  const current = ceiling === null ? 'none' : normalizeScopes(ceiling).join(',');
  const next = limited ? normalizeScopes(chosen).join(',') : 'none';
  const save = async () => {
    setSaving(true);
    await onSave(limited ? normalizeScopes(chosen) : null);
    setSaving(false);
  };
  return (
    <div className={`ceiling ${disabled ? 'is-disabled' : ''}`}>
      <Switch
        label="Limit what silent approval may grant"
        checked={limited}
        disabled={disabled}
        onChange={setLimited}
        description="Scopes outside the limit always ask you, even for local devices."
      />
      {limited && (
        <fieldset className="scope-fieldset" disabled={disabled}>
          <legend>Silently grantable scopes</legend>
          <div className="checks checks-grid">
            {OPERATOR_SCOPES.map((s) => (
              <label key={s} className="check">
                <input type="checkbox" checked={chosen.includes(s)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, s] : c.filter((x) => x !== s)))} />
                <span className="mono">{s}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      {current !== next && (
        <div className="form-actions">
          <button type="button" className="btn btn-primary btn-sm" disabled={saving || disabled} onClick={save}>{saving ? 'Saving…' : 'Save limit'}</button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => { setLimited(ceiling !== null); if (ceiling) setChosen(ceiling); }}>Reset</button>
        </div>
      )}
    </div>
  );
}

function PortCard({ port, runningPort, onSave }: { port: number; runningPort: number | null; onSave: (p: number) => Promise<boolean> }) {
  const [value, setValue] = useState(String(port));
  const [saving, setSaving] = useState(false);
  const id = useId();
  const n = Number(value);
  const valid = /^\d+$/.test(value) && n >= 1 && n <= 65535;
  return (
    <div className="card">
      <h2>Port</h2>
      <div className="field">
        <label htmlFor={id}>Gateway port</label>
        <div className="inline-form">
          <input id={id} type="text" inputMode="numeric" className="input input-port" value={value} aria-invalid={!valid} aria-describedby={`${id}-help`} onChange={(e) => setValue(e.target.value.trim())} />
          <button type="button" className="btn btn-secondary" disabled={!valid || n === port || saving} onClick={async () => { setSaving(true); await onSave(n); setSaving(false); }}>{saving ? 'Saving…' : 'Save port'}</button>
        </div>
        <p id={`${id}-help`} className="field-help">
          {!valid ? 'Enter a port between 1 and 65535.' : <>Takes effect after a restart. {runningPort ? <>Listening now on <span className="mono">127.0.0.1:{runningPort}</span>.</> : null} OpenClaw clients expect 18789.</>}
        </p>
      </div>
    </div>
  );
}

function GatewayTokenCard({ store }: { store: DashboardStore }) {
  const notify = useNotify();
  const [token, setToken] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const fetchToken = async () => {
    const res = await store.client.request<{ token: string }>('loopgate.gateway.token.get', {});
    return res.token;
  };
  const toggle = async () => {
    if (shown) { setShown(false); setToken(null); return; }
    try { setToken(await fetchToken()); setShown(true); } catch (err) { notify(`Could not read the token: ${errorText(err)}`, 'danger'); }
  };
  const rotate = async () => {
    try {
      const res = await store.client.request<{ token: string }>('loopgate.gateway.token.rotate', {});
      setToken(res.token);
      setShown(true);
      notify('Gateway token rotated. Give local clients the new token.', 'success');
    } catch (err) {
      notify(`Could not rotate the token: ${errorText(err)}`, 'danger');
    }
  };
  return (
    <div className="card">
      <h2>Gateway token</h2>
      <p className="card-help">Local CLIs and agents prove they run as you with this token (it is also in the gateway’s data folder). Keep it secret.</p>
      <div className="secret-row">
        <code className={`secret ${shown ? '' : 'secret-masked'}`} data-testid="gateway-token" aria-label={shown ? 'Gateway token' : 'Gateway token, hidden'}>
          {shown && token ? token : '••••••••••••••••••••••••••••••••'}
        </code>
        <button type="button" className="btn btn-secondary" onClick={toggle} aria-pressed={shown}>
          {shown ? <IconEyeOff /> : <IconEye />}<span>{shown ? 'Hide' : 'Show'}</span>
        </button>
        <CopyButton getText={async () => token ?? (await fetchToken())} ariaLabel="Copy the gateway token" />
      </div>
      <div className="form-actions">
        <ConfirmAction
          label="Rotate token…"
          ariaLabel="Rotate the gateway token"
          question="Issue a new gateway token? Clients using the old one can no longer connect with it."
          confirmLabel="Rotate token"
          onConfirm={rotate}
        />
      </div>
    </div>
  );
}

function ThemeChooser({ value, onChange }: { value: ThemePref; onChange: (t: ThemePref) => void }) {
  const options: Array<{ v: ThemePref; label: string }> = [
    { v: 'system', label: 'Match system' },
    { v: 'light', label: 'Light' },
    { v: 'dark', label: 'Dark' },
  ];
  return (
    <div className="segmented" role="radiogroup" aria-label="Theme">
      {options.map((o) => (
        <label key={o.v} className={`segment ${value === o.v ? 'segment-on' : ''}`}>
          <input type="radio" name="theme" value={o.v} checked={value === o.v} onChange={() => onChange(o.v)} />
          {o.label}
        </label>
      ))}
    </div>
  );
}
