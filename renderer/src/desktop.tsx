// The window's desktop parts, present only in the Electron window (the preload's bridge; a dashboard opened in a
// browser has none): the first-run "start at login?" question, and the Start at login and Updates cards in
// Settings. Start at login is one state read from the system by the main process; the tray toggle, the
// question and the switch all show it and all change it.
import { useEffect, useState } from 'react';
import type { LoginItemState, UpdateStatus } from '../../shared/ipc-contract';
import { bridge } from './bridge';
import { Switch, errorText, useNotify } from './components/ui';
import { IconPower } from './components/icons';

/** One main-process state through the bridge: read once, then kept current by its change event. */
function useBridgeState<T>(read: (b: NonNullable<ReturnType<typeof bridge>>) => Promise<T>, watch: (b: NonNullable<ReturnType<typeof bridge>>, on: (v: T) => void) => () => void): [T | null, (v: T) => void] {
  const b = bridge();
  const [state, setState] = useState<T | null>(null);
  useEffect(() => {
    if (!b) return;
    let live = true;
    void read(b).then((s) => live && setState(s), () => {});
    const off = watch(b, (s) => setState(s));
    return () => {
      live = false;
      off();
    };
  }, [b]); // read and watch are fixed per caller
  return [state, setState];
}

export function useLoginItem(): [LoginItemState | null, (enabled: boolean) => Promise<LoginItemState | null>] {
  const [state, setState] = useBridgeState((b) => b.loginItem(), (b, on) => b.onLoginItemChanged(on));
  const set = async (enabled: boolean) => {
    const b = bridge();
    if (!b) return null;
    const s = await b.setLoginItem(enabled);
    setState(s);
    return s;
  };
  return [state, set];
}

export function useUpdateStatus(): UpdateStatus | null {
  return useBridgeState((b) => b.updateStatus(), (b, on) => b.onUpdateStatus(on))[0];
}

/** Asked once, in the window, before anything is registered: start at login stays off until the user says yes. */
export function StartAtLoginPrompt() {
  const [state, set] = useLoginItem();
  const notify = useNotify();
  if (!state || state.asked || !state.supported) return null;
  const answer = async (enabled: boolean) => {
    try {
      const s = await set(enabled);
      if (s?.problem) notify(s.problem, 'danger');
      else if (enabled) notify('Loopgate will start when you log in, in the tray.', 'success');
    } catch (err) {
      notify(`Could not change start at login: ${errorText(err)}`, 'danger');
    }
  };
  return (
    <div className="banner banner-info" role="region" aria-label="Start at login" data-testid="start-at-login-prompt">
      <IconPower />
      <div>
        <strong>Start Loopgate when you log in?</strong>{' '}
        Agents that start with your session can then reach the gateway. It opens in the tray, without a window. You can change this later in Settings or the tray menu.
      </div>
      <button type="button" className="btn btn-primary btn-sm" onClick={() => void answer(true)}>Start at login</button>
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => void answer(false)}>Not now</button>
    </div>
  );
}

const when = (ms: number | undefined): string => (ms ? new Date(ms).toLocaleString() : 'never');

/** Settings › Start at login and Updates (nothing in a browser, where there is no tray app). */
export function DesktopSettings() {
  const [login, setLogin] = useLoginItem();
  const update = useUpdateStatus();
  const notify = useNotify();
  const [checking, setChecking] = useState(false);
  if (!bridge()) return null;
  const b = bridge()!;
  const toggle = async (v: boolean) => {
    try {
      const s = await setLogin(v);
      if (s?.problem) notify(s.problem, 'danger');
      else notify(v ? 'Loopgate will start at login.' : 'Loopgate will not start at login.', 'success');
    } catch (err) {
      notify(`Could not change start at login: ${errorText(err)}`, 'danger');
    }
  };
  const check = async () => {
    setChecking(true);
    try {
      await b.checkForUpdates();
    } catch (err) {
      notify(`Could not check for updates: ${errorText(err)}`, 'danger');
    } finally {
      setChecking(false);
    }
  };
  return (
    <>
      <div className="card" data-testid="start-at-login-card">
        <h2>Start at login</h2>
        <Switch
          label="Start Loopgate when I log in"
          checked={login?.enabled === true}
          disabled={!login || !login.supported}
          onChange={toggle}
          description="Opens in the tray, without a window, so agents find the gateway running. The tray menu has the same switch."
        />
        {login?.problem && <p className="field-help text-danger" role="status" data-testid="start-at-login-problem">{login.problem}</p>}
        {login?.location && <p className="field-help">Login entry: <span className="mono">{login.location}</span></p>}
      </div>
      <div className="card" data-testid="updates-card">
        <h2>Updates</h2>
        <dl className="facts">
          <dt>This version</dt><dd>{update?.currentVersion ?? '—'}</dd>
          <dt>Last check</dt><dd>{when(update?.lastCheckAtMs)}</dd>
          {update?.nextCheckAtMs && update.phase !== 'ready' ? <><dt>Next check</dt><dd>{when(update.nextCheckAtMs)}</dd></> : null}
          {update?.phase === 'ready' || update?.phase === 'downloading' ? <><dt>Update</dt><dd>{update.version}{update.phase === 'downloading' ? ` (downloading, ${update.progressPercent ?? 0}%)` : ' (ready)'}</dd></> : null}
        </dl>
        {update?.message && <p className={`field-help ${update.phase === 'error' ? 'text-danger' : ''}`} role="status" data-testid="update-message">{update.message}</p>}
        <div className="form-actions">
          {update?.phase === 'ready' ? (
            <button type="button" className="btn btn-primary btn-sm" onClick={() => void b.restartToUpdate().catch((err: unknown) => notify(`Could not restart: ${errorText(err)}`, 'danger'))}>Restart to update</button>
          ) : (
            <button type="button" className="btn btn-secondary btn-sm" disabled={!update || update.phase === 'disabled' || update.phase === 'checking' || update.phase === 'downloading' || checking} onClick={() => void check()}>
              {update?.phase === 'checking' || checking ? 'Checking…' : 'Check for updates'}
            </button>
          )}
        </div>
      </div>
    </>
  );
}
