// Devices: every paired device in a virtualised table (10,000 rows stay fast), with search, filters and sort.
import { memo, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { PairedDeviceView } from '../../../shared/pairing-types';
import { OPERATOR_SCOPES, roleScopesAllow } from '../../../shared/scopes';
import { ago, deviceName, fullDateTime, isRemoteDevice, plural, shown, useNow } from '../format';
import { Chip, ConnectedState, ReportedName, ReportedTag } from '../components/ui';
import { IconChevronDown, IconChevronUp, IconSearch } from '../components/icons';

type SortKey = 'name' | 'lastSeen';
type SortDir = 'asc' | 'desc';

export interface DeviceFilters {
  query: string;
  role: string;
  scope: string;
  connected: '' | 'connected' | 'offline';
  locality: '' | 'local' | 'remote';
  sort: SortKey;
  dir: SortDir;
}

export const DEFAULT_FILTERS: DeviceFilters = { query: '', role: '', scope: '', connected: '', locality: '', sort: 'lastSeen', dir: 'desc' };

const ROW_HEIGHT = 52;
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

let renderedMarked = false;

interface Indexed {
  device: PairedDeviceView;
  name: string;
  reported: boolean;
  /** With a name the user gave: the name the device reports, shown beside it (cleaned). */
  reportedName: string;
  /** platform · client mode (or id), cleaned: reported by the device. */
  client: string;
  /** The operator scopes approved (what the scope filter tests, with implication). */
  scopes: string[];
  haystack: string;
  remote: boolean;
  lastSeen: number;
}

// One entry per device record; a "connected" patch makes a new record only for the devices it changes.
const indexCache = new WeakMap<PairedDeviceView, Indexed>();

function indexDevice(d: PairedDeviceView): Indexed {
  let x = indexCache.get(d);
  if (x) return x;
  const n = deviceName(d);
  const client = [shown(d.platform), shown(d.clientMode ?? d.clientId)].filter(Boolean).join(' · ');
  x = {
    device: d,
    name: n.text,
    reported: n.reported,
    reportedName: d.operatorLabel ? shown(d.displayName) : '',
    client,
    scopes: (d.approvedScopes.length ? d.approvedScopes : d.scopes).map(shown).filter(Boolean),
    haystack: `${n.text}\n${shown(d.displayName)}\n${d.deviceId}\n${d.fingerprint}\n${d.fingerprint.replace(/\s/g, '')}\n${shown(d.clientId)}\n${shown(d.platform)}\n${d.remoteIp ?? ''}`.toLowerCase(),
    remote: isRemoteDevice(d),
    lastSeen: d.connected ? Number.MAX_SAFE_INTEGER : (d.lastSeenAtMs ?? d.approvedAtMs ?? 0),
  };
  indexCache.set(d, x);
  return x;
}

export function DevicesView({ devices, loaded, storeOk = true, filters, onFilters, onOpen, focusDeviceId = null, onFocusDone }: {
  devices: PairedDeviceView[];
  loaded: boolean;
  storeOk?: boolean;
  filters: DeviceFilters;
  onFilters: (f: DeviceFilters) => void;
  onOpen: (deviceId: string) => void;
  /** Back from Device detail: focus this device's row, or the list's heading when it is gone. */
  focusDeviceId?: string | null;
  onFocusDone?: () => void;
}) {
  const indexed = useMemo(() => devices.map(indexDevice), [devices]);
  const deferredQuery = useDeferredValue(filters.query);
  const q = deferredQuery.trim().toLowerCase();
  const rows = useMemo(() => {
    const out = indexed.filter((x) => {
      const d = x.device;
      if (q && !x.haystack.includes(q)) return false;
      if (filters.role && !(d.roles.includes(filters.role) || d.role === filters.role)) return false;
      // With implication: operator.admin satisfies every operator.* scope, operator.write satisfies operator.read.
      if (filters.scope && !roleScopesAllow('operator', [filters.scope], x.scopes)) return false;
      if (filters.connected === 'connected' && !d.connected) return false;
      if (filters.connected === 'offline' && d.connected) return false;
      if (filters.locality === 'remote' && !x.remote) return false;
      if (filters.locality === 'local' && x.remote) return false;
      return true;
    });
    const sign = filters.dir === 'asc' ? 1 : -1;
    if (filters.sort === 'name') out.sort((a, b) => sign * (collator.compare(a.name, b.name) || a.device.deviceId.localeCompare(b.device.deviceId)));
    else out.sort((a, b) => sign * (a.lastSeen - b.lastSeen) || collator.compare(a.name, b.name));
    return out;
  }, [indexed, q, filters.role, filters.scope, filters.connected, filters.locality, filters.sort, filters.dir]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: { width: 1000, height: 600 },
  });

  useEffect(() => {
    if (!renderedMarked && loaded && devices.length > 0) {
      renderedMarked = true;
      performance.mark('devices-rendered', { detail: { count: devices.length } });
      // After the next frame: the rows are on screen (what the render bench measures).
      requestAnimationFrame(() => setTimeout(() => performance.mark('devices-painted', { detail: { count: devices.length } }), 0));
    }
  }, [loaded, devices.length]);

  // Back from Device detail: bring the device's row into view and focus it (or the heading when it is gone).
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focusDeviceId || !loaded) return;
    const i = rows.findIndex((x) => x.device.deviceId === focusDeviceId);
    onFocusDone?.();
    if (i < 0) { headingRef.current?.focus(); return; }
    virtualizer.scrollToIndex(i, { align: 'auto' });
    let tries = 0;
    let raf = 0;
    const focusRow = () => {
      const btn = scrollRef.current?.querySelector<HTMLButtonElement>(`[data-device-id="${CSS.escape(focusDeviceId)}"] .link-btn`);
      if (btn) btn.focus({ preventScroll: true });
      else if (++tries < 10) raf = requestAnimationFrame(focusRow);
      else headingRef.current?.focus();
    };
    focusRow();
    return () => cancelAnimationFrame(raf);
  }, [focusDeviceId, loaded]); // once per Back: the rows of that moment decide

  const now = useNow(30_000);
  const filtered = filters.query || filters.role || filters.scope || filters.connected || filters.locality;
  // Announce result counts politely when the search or a filter changes — not when devices come and go.
  const [announcement, setAnnouncement] = useState('');
  const filterKey = `${q}\u0000${filters.role}\u0000${filters.scope}\u0000${filters.connected}\u0000${filters.locality}`;
  const countRef = useRef({ rows: rows.length, total: devices.length, filtered: Boolean(filtered) });
  countRef.current = { rows: rows.length, total: devices.length, filtered: Boolean(filtered) };
  const firstKey = useRef(filterKey);
  useEffect(() => {
    if (firstKey.current === filterKey) return;
    firstKey.current = '';
    const t = setTimeout(() => {
      const c = countRef.current;
      setAnnouncement(c.filtered ? `${c.rows.toLocaleString('en-US')} of ${plural(c.total, 'device')} match.` : `Showing all ${plural(c.total, 'device')}.`);
    }, 500);
    return () => clearTimeout(t);
  }, [filterKey]);
  const connectedCount = useMemo(() => devices.reduce((n, d) => n + (d.connected ? 1 : 0), 0), [devices]);
  const set = (patch: Partial<DeviceFilters>) => onFilters({ ...filters, ...patch });
  const sortBy = (key: SortKey) => {
    if (filters.sort === key) set({ dir: filters.dir === 'asc' ? 'desc' : 'asc' });
    else set({ sort: key, dir: key === 'name' ? 'asc' : 'desc' });
  };
  const ariaSort = (key: SortKey) => (filters.sort === key ? (filters.dir === 'asc' ? 'ascending' : 'descending') : 'none');

  return (
    <section className="view view-devices" aria-labelledby="devices-title">
      <header className="view-header">
        <div>
          <h1 id="devices-title" ref={headingRef} tabIndex={-1}>Devices</h1>
          <p className="view-sub" data-testid="device-count">
            {filtered ? `${rows.length.toLocaleString('en-US')} of ${plural(devices.length, 'device')}` : plural(devices.length, 'paired device')}
            <span className="sep" aria-hidden="true">·</span>
            {connectedCount.toLocaleString('en-US')} connected now
          </p>
          <p className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="device-count-announcement">{announcement}</p>
        </div>
      </header>

      <div className="toolbar" role="search" aria-label="Filter devices">
        <label className="search">
          <IconSearch />
          <input
            type="search"
            placeholder="Search name, device id or fingerprint"
            aria-label="Search devices by name, device id or fingerprint"
            value={filters.query}
            onChange={(e) => set({ query: e.target.value })}
          />
        </label>
        <select aria-label="Filter by role" value={filters.role} onChange={(e) => set({ role: e.target.value })}>
          <option value="">All roles</option>
          <option value="operator">Operator</option>
          <option value="node">Node</option>
        </select>
        <select aria-label="Filter by scope" value={filters.scope} onChange={(e) => set({ scope: e.target.value })}>
          <option value="">Any scope</option>
          {OPERATOR_SCOPES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <select aria-label="Filter by connection" value={filters.connected} onChange={(e) => set({ connected: e.target.value as DeviceFilters['connected'] })}>
          <option value="">Connected or not</option>
          <option value="connected">Connected now</option>
          <option value="offline">Offline</option>
        </select>
        <select aria-label="Filter by location" value={filters.locality} onChange={(e) => set({ locality: e.target.value as DeviceFilters['locality'] })}>
          <option value="">Local and remote</option>
          <option value="local">Local only</option>
          <option value="remote">Remote only</option>
        </select>
        {filtered && <button type="button" className="btn btn-ghost btn-sm" onClick={() => onFilters({ ...DEFAULT_FILTERS, sort: filters.sort, dir: filters.dir })}>Clear filters</button>}
      </div>

      <div className="table devices-table" role="table" aria-label="Paired devices" aria-rowcount={rows.length + 1}>
        <div className="thead" role="rowgroup">
          <div className="tr" role="row" aria-rowindex={1}>
            <div className="th" role="columnheader" aria-sort={ariaSort('name')}>
              <button type="button" className="sort-btn" onClick={() => sortBy('name')}>
                Name {filters.sort === 'name' && (filters.dir === 'asc' ? <IconChevronUp size={14} /> : <IconChevronDown size={14} />)}
              </button>
            </div>
            <div className="th" role="columnheader">Fingerprint</div>
            <div className="th" role="columnheader" title="One chip per role; a red chip means that role's token is revoked">Roles · tokens</div>
            <div className="th" role="columnheader">Scopes</div>
            <div className="th" role="columnheader">Address</div>
            <div className="th" role="columnheader" aria-sort={ariaSort('lastSeen')}>
              <button type="button" className="sort-btn" onClick={() => sortBy('lastSeen')}>
                Last seen {filters.sort === 'lastSeen' && (filters.dir === 'asc' ? <IconChevronUp size={14} /> : <IconChevronDown size={14} />)}
              </button>
            </div>
          </div>
        </div>
        <div className="tbody-scroll" ref={scrollRef} role="rowgroup">
          {rows.length === 0 ? (
            <div className="empty" role="row"><div role="cell">
              {!loaded ? 'Loading devices…' : devices.length === 0 && !storeOk ? (
                <>
                  <strong>The device list is unavailable.</strong>
                  <span>The pairing store is quarantined (see above), so no device can connect until it is repaired.</span>
                </>
              ) : devices.length === 0 ? (
                <>
                  <strong>No paired devices yet.</strong>
                  <span>Agents, CLIs and nodes appear here once they connect to this gateway and are approved.</span>
                </>
              ) : (
                <>
                  <strong>No devices match.</strong>
                  <span>Try another search or clear the filters.</span>
                </>
              )}
            </div></div>
          ) : (
            <div className="tbody-inner" style={{ height: virtualizer.getTotalSize() }}>
              {virtualizer.getVirtualItems().map((item) => {
                const x = rows[item.index]!;
                return (
                  <DeviceRow
                    key={x.device.deviceId}
                    x={x}
                    top={item.start}
                    rowIndex={item.index + 2}
                    now={now}
                    onOpen={onOpen}
                  />
                );
              })}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

const DeviceRow = memo(function DeviceRow({ x, top, rowIndex, now, onOpen }: { x: Indexed; top: number; rowIndex: number; now: number; onOpen: (id: string) => void }) {
  const d = x.device;
  const roles = (d.roles.length ? d.roles : d.role ? [d.role] : []).map(shown);
  const scopes = x.scopes;
  const shownScopes = scopes.slice(0, 3);
  const roleTokens = [...new Set([...roles, ...d.tokens.map((t) => shown(t.role))])].map((role) => ({ role, token: d.tokens.find((t) => shown(t.role) === role) }));
  return (
    <div
      className="tr device-row"
      role="row"
      aria-rowindex={rowIndex}
      data-device-id={d.deviceId}
      style={{ transform: `translateY(${top}px)` }}
      onClick={(e) => { if (!(e.target as HTMLElement).closest('button')) onOpen(d.deviceId); }}
    >
      <div className="td td-name" role="cell">
        <button type="button" className="link-btn" onClick={() => onOpen(d.deviceId)} aria-label={`${x.name}${x.reported ? ' (reported name)' : ''}: open details`}>
          <ReportedName text={x.name} reported={x.reported} />
        </button>
        <span className="sub">
          {x.reportedName ? <span data-testid="row-reported-name">“{x.reportedName}” · </span> : null}
          {x.client ? <>{x.client} <ReportedTag /></> : d.deviceId.slice(0, 12)}
        </span>
      </div>
      <div className="td mono fp" role="cell" title={d.fingerprint}>{d.fingerprint.replace(/^SHA256:/, '')}</div>
      <div className="td" role="cell">
        <span className="chips nowrap">
          {roleTokens.map(({ role, token }) => (
            <Chip
              key={role}
              variant={token?.revokedAtMs ? 'revoked' : token ? 'held' : 'muted'}
              title={token?.revokedAtMs ? `${role}: token revoked` : token ? `${role}: token active` : `${role}: no token issued`}
            >
              {role}{token?.revokedAtMs ? ' revoked' : ''}
            </Chip>
          ))}
        </span>
      </div>
      <div className="td" role="cell">
        {scopes.length === 0 ? <span className="muted">—</span> : (
          <span className="chips nowrap" title={scopes.join(', ')}>
            {shownScopes.map((s) => <Chip key={s}>{s.replace(/^operator\./, '')}</Chip>)}
            {scopes.length > shownScopes.length && <span className="more">+{scopes.length - shownScopes.length}</span>}
          </span>
        )}
      </div>
      <div className="td" role="cell">
        {x.remote ? <span className="addr"><span className="tag tag-remote">remote</span><span className="mono small">{d.remoteIp}</span></span> : <span className="tag tag-local">local</span>}
      </div>
      <div className="td" role="cell">
        {d.connected ? <ConnectedState connected /> : (
          <span className="presence presence-off" title={d.lastSeenAtMs ? fullDateTime(d.lastSeenAtMs) : 'never seen'}>
            <span className="dot" aria-hidden="true" />{ago(d.lastSeenAtMs, now)}
          </span>
        )}
      </div>
    </div>
  );
});
