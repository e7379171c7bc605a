// The window: sidebar navigation, status banners (gateway unreachable, store quarantined, pairing paused), views.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { AttachInfo, DashboardStore } from './store';
import { useApprovals, useDashboard } from './use-dashboard';
import { useTheme } from './use-theme';
import { bridge } from './bridge';
import { useNow } from './format';
import { NoticeProvider, errorText, useNotify } from './components/ui';
import { IconActivity, IconAlert, IconDevices, IconInbox, IconLink, IconMoon, IconPause, IconSettings, IconShield, IconSun, IconTerminal } from './components/icons';
import { DEFAULT_FILTERS, DevicesView, type DeviceFilters } from './views/DevicesView';
import { DeviceDetail } from './views/DeviceDetail';
import { RequestsView } from './views/RequestsView';
import { ActivityView } from './views/ActivityView';
import { ApprovalsView } from './views/ApprovalsView';
import { SettingsView } from './views/SettingsView';
import { ConnectScreen } from './views/ConnectScreen';
import { StartAtLoginPrompt } from './desktop';

export type ViewName = 'devices' | 'requests' | 'approvals' | 'activity' | 'settings';

/** A request to bring into view (notification, tray, `?request=`); `seq` makes asking twice for one id count. */
export interface FocusRequest {
  id: string;
  seq: number;
}

function initialView(): { view: ViewName; requestId: string | null; deviceId: string | null; approvalId: string | null } {
  const p = new URLSearchParams(location.search);
  const v = p.get('view');
  const approvalId = p.get('approval');
  const view: ViewName = approvalId ? 'approvals' : v === 'requests' || v === 'approvals' || v === 'activity' || v === 'settings' || v === 'devices' ? v : 'devices';
  return { view, requestId: p.get('request'), deviceId: p.get('device'), approvalId };
}

export function App({ store }: { store: DashboardStore }) {
  return (
    <NoticeProvider>
      <Shell store={store} />
    </NoticeProvider>
  );
}

function Shell({ store }: { store: DashboardStore }) {
  const s = useDashboard(store);
  const theme = useTheme();
  const notify = useNotify();
  const init = useMemo(initialView, []);
  const [view, setView] = useState<ViewName>(init.view);
  const [deviceId, setDeviceId] = useState<string | null>(init.deviceId);
  const [focusRequest, setFocusRequest] = useState<FocusRequest | null>(init.requestId ? { id: init.requestId, seq: 1 } : null);
  const [focusApproval, setFocusApproval] = useState<FocusRequest | null>(init.approvalId ? { id: init.approvalId, seq: 1 } : null);
  const approvals = useApprovals(store.approvals);
  const [filters, setFilters] = useState<DeviceFilters>(DEFAULT_FILTERS);
  /** After Back from Device detail: the device whose row takes the focus (the list, when it is gone). */
  const [returnFocus, setReturnFocus] = useState<string | null>(null);
  const mainRef = useRef<HTMLElement>(null);

  const go = useCallback((v: ViewName) => {
    setView(v);
    setDeviceId(null);
    setReturnFocus(null);
  }, []);
  const openDevice = useCallback((id: string) => {
    setView('devices');
    setDeviceId(id);
    setReturnFocus(null);
  }, []);
  const backFromDetail = useCallback(() => {
    setReturnFocus(deviceId);
    setDeviceId(null);
  }, [deviceId]);
  const returnFocusDone = useCallback(() => setReturnFocus(null), []);
  const focusRequestHandled = useCallback(() => setFocusRequest((cur) => (cur ? { ...cur, id: '' } : cur)), []);
  const focusApprovalHandled = useCallback(() => setFocusApproval((cur) => (cur ? { ...cur, id: '' } : cur)), []);

  // A layout effect: it runs before the views' own effects, which may scroll something into view.
  useLayoutEffect(() => {
    mainRef.current?.scrollTo?.({ top: 0 });
  }, [view, deviceId]);

  // In the app, a notification or tray click asks the window to show one request.
  useEffect(() => bridge()?.onShowRequest((requestId) => {
    setFocusRequest((cur) => ({ id: requestId, seq: (cur?.seq ?? 0) + 1 }));
    setDeviceId(null);
    setView('requests');
  }), []);
  // A notification or tray entry for an exec approval opens the Approvals view on it.
  useEffect(() => bridge()?.onShowApproval?.((approvalId) => {
    setFocusApproval((cur) => ({ id: approvalId, seq: (cur?.seq ?? 0) + 1 }));
    setDeviceId(null);
    setView('approvals');
  }), []);

  const setPaused = async (paused: boolean) => {
    try {
      await store.setConfig('pairingPaused', paused);
      notify(paused ? 'Pairing paused.' : 'Pairing resumed.', 'success');
    } catch (err) {
      notify(`Could not change pairing: ${errorText(err)}`, 'danger');
    }
  };

  if (s.conn.status === 'no-credential' || s.conn.status === 'unauthorized') {
    return <ConnectScreen kind={s.conn.status} error={s.conn.lastError} />;
  }
  if (!s.hello && (s.conn.status === 'connecting' || s.conn.status === 'down')) {
    return <ConnectScreen kind={s.conn.status === 'down' ? 'down' : 'connecting'} error={s.conn.lastError} retryAtMs={s.conn.retryAtMs} retrying={s.conn.retrying ?? false} onRetry={() => store.client.retryNow()} />;
  }

  const device = deviceId ? s.paired.find((d) => d.deviceId === deviceId) : undefined;
  const paused = s.config?.pairingPaused ?? false;
  const approvalCount = approvals.pending.length + approvals.nodeRequests.length;
  const nav: Array<{ id: ViewName; label: string; icon: ReactElement; count?: number; countLabel?: string; alert?: boolean }> = [
    { id: 'devices', label: 'Devices', icon: <IconDevices />, count: s.paired.length, countLabel: 'paired' },
    { id: 'requests', label: 'Requests', icon: <IconInbox />, count: s.pending.length, countLabel: 'pending', alert: s.pending.length > 0 },
    { id: 'approvals', label: 'Approvals', icon: <IconTerminal />, count: approvalCount, countLabel: 'waiting', alert: approvalCount > 0 },
    { id: 'activity', label: 'Activity', icon: <IconActivity /> },
    { id: 'settings', label: 'Settings', icon: <IconSettings /> },
  ];

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>Skip to content</a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true"><IconShield size={18} /></span>
          <span className="brand-name">Loopgate</span>
        </div>
        <nav aria-label="Main">
          <ul className="nav-list">
            {nav.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  className={`nav-item ${view === n.id ? 'nav-item-on' : ''}`}
                  aria-current={view === n.id ? 'page' : undefined}
                  onClick={() => go(n.id)}
                  aria-label={n.count !== undefined ? `${n.label}, ${n.count.toLocaleString('en-US')} ${n.countLabel}` : n.label}
                  data-testid={`nav-${n.id}`}
                >
                  {n.icon}
                  <span className="nav-label">{n.label}</span>
                  {n.count !== undefined && (n.count > 0 || n.id === 'requests') && (
                    <span className={`nav-count ${n.alert ? 'nav-count-alert' : ''}`} aria-hidden="true">{n.count.toLocaleString('en-US')}</span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <ConnectionPill store={store} />
          <button
            type="button"
            className="icon-btn theme-toggle"
            onClick={() => theme.setPref(theme.effective === 'dark' ? 'light' : 'dark')}
            aria-label={theme.effective === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            title={theme.effective === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          >
            {theme.effective === 'dark' ? <IconSun /> : <IconMoon />}
          </button>
        </div>
      </aside>

      <main id="main" className="main" ref={mainRef} tabIndex={-1}>
        <div className="banners">
          {s.attach && <AttachBanner attach={s.attach} onRetry={() => void store.client.request('loopgate.attach.retry', {}).catch(() => {})} />}
          <StartAtLoginPrompt />
          {s.conn.status === 'down' && <UnreachableBanner retryAtMs={s.conn.retryAtMs} retrying={s.conn.retrying ?? false} error={s.conn.lastError} onRetry={() => store.client.retryNow()} />}
          {s.store && !s.store.ok && (
            <div className="banner banner-danger" role="alert" data-testid="quarantine-banner">
              <IconAlert />
              <div>
                <strong>The pairing store is quarantined.</strong>{' '}
                Its file could not be read and was moved aside
                {s.store.quarantinedTo ? <> to <span className="mono">{s.store.quarantinedTo}</span></> : null}.
                Until it is repaired the gateway refuses every device; no approval was deleted.
                {s.store.error && <div className="small banner-detail">{s.store.error}</div>}
              </div>
            </div>
          )}
          {s.configHealth && !s.configHealth.ok && (
            <div className="banner banner-danger" role="alert" data-testid="config-banner">
              <IconAlert />
              <div>
                <strong>The settings file could not be used.</strong>{' '}
                {s.configHealth.quarantinedTo ? <>It was moved aside to <span className="mono">{s.configHealth.quarantinedTo}</span>. </> : null}
                Until you save a setting, silent approval is off and pairing is paused.
                {s.configHealth.error && <div className="small banner-detail">{s.configHealth.error}</div>}
              </div>
              {view !== 'settings' && <button type="button" className="btn btn-secondary btn-sm" onClick={() => go('settings')}>Review settings</button>}
            </div>
          )}
          {paused && !s.attach && view !== 'requests' && (
            <div className="banner banner-warning" role="status" data-testid="paused-banner">
              <IconPause />
              <div><strong>Pairing is paused.</strong> New devices and upgrades are refused.</div>
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => setPaused(false)}>Resume pairing</button>
            </div>
          )}
          {s.loadError && s.conn.status === 'open' && (
            <div className="banner banner-warning" role="status">
              <IconAlert />
              <div>Could not load the device list: {s.loadError}</div>
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => void store.loadList()}>Try again</button>
            </div>
          )}
        </div>

        {view === 'devices' && !deviceId && (
          <DevicesView
            devices={s.paired}
            loaded={s.loaded}
            storeOk={s.store?.ok !== false}
            filters={filters}
            onFilters={setFilters}
            onOpen={openDevice}
            focusDeviceId={returnFocus}
            onFocusDone={returnFocusDone}
          />
        )}
        {view === 'devices' && deviceId && (
          <DeviceDetail deviceId={deviceId} device={device} store={store} audit={s.audit} onBack={backFromDetail} />
        )}
        {view === 'requests' && (
          <RequestsView
            pending={s.pending}
            paired={s.paired}
            store={store}
            paused={paused}
            silentEnabled={s.config ? s.config.silentApproval.enabled : null}
            attachedTo={s.attach?.url}
            onResume={() => setPaused(false)}
            focusRequest={focusRequest?.id ? focusRequest : null}
            onFocusHandled={focusRequestHandled}
            ready={s.loaded}
            auditLoaded={s.auditLoaded}
          />
        )}
        {view === 'approvals' && (
          <ApprovalsView state={approvals} store={store.approvals} devices={s.paired} focusApproval={focusApproval?.id ? focusApproval : null} onFocusHandled={focusApprovalHandled} />
        )}
        {view === 'activity' && (
          <ActivityView audit={s.audit} loaded={s.auditLoaded} hasMore={s.auditHasMore} devices={s.paired} store={store} onOpenDevice={openDevice} />
        )}
        {view === 'settings' && (
          <SettingsView config={s.config} configPath={s.configPath} status={s.status} store={store} theme={theme.pref} onTheme={theme.setPref} attachedTo={s.attach?.url} />
        )}
      </main>
    </div>
  );
}

function ConnectionPill({ store }: { store: DashboardStore }) {
  const s = useDashboard(store);
  const up = s.conn.status === 'open';
  const port = s.status?.port;
  // Attached: the port that matters to the user is the OpenClaw gateway's.
  const upstreamPort = s.attach ? /:(\d+)/.exec(s.attach.url.replace(/^ws:\/\//, ''))?.[1] : undefined;
  return (
    <span className={`conn-pill ${up ? 'conn-up' : 'conn-down'}`} role="status" aria-label={up ? 'Connected to the gateway' : 'Gateway unreachable'}>
      <span className="dot" aria-hidden="true" />
      <span>{up ? (upstreamPort ? `OpenClaw :${upstreamPort}` : port ? `Gateway :${port}` : 'Connected') : 'Offline'}</span>
    </span>
  );
}

/**
 * Attach mode, always visible: which OpenClaw gateway this window shows, and whether Loopgate reaches it. The
 * decisions made here are that gateway's; Loopgate's own silent-approval policy does not apply to it.
 */
function AttachBanner({ attach, onRetry }: { attach: AttachInfo; onRetry: () => void }) {
  const now = useNow(1000);
  const where = <span className="mono">{attach.url}</span>;
  const secs = attach.retryAtMs ? Math.max(0, Math.ceil((attach.retryAtMs - now) / 1000)) : 0;
  if (attach.status === 'connected') {
    return (
      <div className="banner banner-info" role="status" data-testid="attach-banner" data-attach-status="connected">
        <IconLink />
        <div>
          <strong>Attached to the OpenClaw gateway at {where}</strong>{attach.server?.version ? <> (OpenClaw {attach.server.version})</> : null}.{' '}
          <span className="small">Its devices and requests are shown here, and your decisions are made on it. That gateway decides what it approves silently; Loopgate&rsquo;s own policy does not apply.</span>
        </div>
      </div>
    );
  }
  const [title, detail] = attach.status === 'unauthorized'
    ? [<>The OpenClaw gateway at {where} refused Loopgate&rsquo;s token.</>, <>Check <span className="mono">gateway.auth.token</span> in its config (<span className="mono">~/.openclaw/openclaw.json</span>) or the token you gave; Loopgate reads it again on every try.</>]
    : attach.status === 'pairing-required'
      ? [<>The OpenClaw gateway at {where} wants Loopgate approved first.</>, <>Approve it there: <span className="mono">openclaw devices approve {attach.requestId ?? '<requestId>'}</span></>]
      : [<>Cannot reach the OpenClaw gateway at {where} — retrying.</>, <>What you see may be out of date until it is back.</>];
  return (
    <div className={`banner ${attach.status === 'unauthorized' ? 'banner-danger' : 'banner-warning'}`} data-testid="attach-banner" data-attach-status={attach.status}>
      <IconAlert />
      <div>
        <div role="alert"><strong>{title}</strong> <span className="small">{detail}</span></div>
        <div className="small muted-on-banner">{secs > 0 ? `Next try in ${secs} s` : 'Trying…'}{attach.lastError ? ` · ${attach.lastError}` : ''}</div>
      </div>
      <button type="button" className="btn btn-secondary btn-sm" onClick={onRetry}>Retry now</button>
    </div>
  );
}

/**
 * Only the static sentence is in the alert (announced once); the countdown and the last error tick outside
 * any live region, so a screen reader is not interrupted every half second.
 */
function UnreachableBanner({ retryAtMs, retrying, error, onRetry }: { retryAtMs?: number; retrying: boolean; error?: string; onRetry: () => void }) {
  const now = useNow(500);
  const secs = retryAtMs ? Math.max(0, Math.ceil((retryAtMs - now) / 1000)) : 0;
  return (
    <div className="banner banner-danger" data-testid="unreachable-banner">
      <IconAlert />
      <div>
        <div role="alert">
          <strong>Gateway unreachable — retrying.</strong>{' '}
          <span className="small">What you see may be out of date until the connection is back.</span>
        </div>
        <div className="small muted-on-banner" data-testid="retry-countdown">
          {retrying || secs === 0 ? 'Trying to connect…' : `Next try in ${secs} s`}{error ? ` · ${error}` : ''}
        </div>
      </div>
      <button type="button" className="btn btn-secondary btn-sm" onClick={onRetry}>Retry now</button>
    </div>
  );
}
