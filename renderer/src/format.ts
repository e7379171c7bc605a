// Small text helpers shared by the views: times, names, addresses, and text that devices report about themselves.
import type { PairedDeviceView, PendingRequestView } from '../../shared/pairing-types';
import { useEffect, useState } from 'react';
import { cleanReported } from '../../shared/reported-text';

/**
 * Device-reported text (names, platform, client ids, scopes) made safe to show: C0/C1 control characters and
 * the bidirectional marks, embeddings, overrides and isolates (U+200E/F, U+202A–E, U+2066–9) removed, whitespace
 * collapsed — the gateway's own rule (shared/reported-text.ts), applied again because stored records may predate
 * it. Every view shows reported text through this.
 */
export function shown(value: string | undefined | null): string {
  return cleanReported(value, 256) ?? '';
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function ago(ms: number | undefined, now: number): string {
  if (!ms) return 'never';
  const d = Math.max(0, now - ms);
  if (d < 5 * SECOND) return 'just now';
  if (d < MINUTE) return `${Math.floor(d / SECOND)} s ago`;
  if (d < HOUR) return `${Math.floor(d / MINUTE)} min ago`;
  if (d < DAY) return `${Math.floor(d / HOUR)} h ago`;
  return `${Math.floor(d / DAY)} d ago`;
}

/** m:ss for countdowns. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / SECOND));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

// Formatters are built once: toLocaleString() with options builds a new one on every call.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const TIME_ONLY = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const DAY_NAME = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

export function dateTime(ms: number | undefined): string {
  if (!ms) return '—';
  return DATE_TIME.format(ms);
}

export function timeOnly(ms: number): string {
  return TIME_ONLY.format(ms);
}

/** Date and time in full, for tooltips. */
export function fullDateTime(ms: number): string {
  return FULL.format(ms);
}

/** The local calendar day of `ms` as a sortable key (YYYY-MM-DD). */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Today", "Yesterday" or the weekday and date, for a day key from dayKey(). */
export function dayLabelOf(key: string, now: number): string {
  if (key === dayKey(now)) return 'Today';
  if (key === dayKey(now - DAY)) return 'Yesterday';
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  return DAY_NAME.format(new Date(y, m - 1, d));
}

export function duration(ms: number): string {
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)} s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ${Math.floor((ms % HOUR) / MINUTE)} min`;
  return `${Math.floor(ms / DAY)} d ${Math.floor((ms % DAY) / HOUR)} h`;
}

export function shortId(deviceId: string): string {
  return deviceId.slice(0, 12);
}

/**
 * The name to show, and whether it came from the device itself (client-reported, not verified). A name the user
 * gave the device (device.pair.rename) comes first and is not reported; the reported one is then shown beside it.
 */
export function deviceName(d: Pick<PairedDeviceView, 'operatorLabel' | 'displayName' | 'clientId' | 'deviceId'>): { text: string; reported: boolean } {
  const label = shown(d.operatorLabel);
  if (label) return { text: label, reported: false };
  const name = shown(d.displayName);
  if (name) return { text: name, reported: true };
  const client = shown(d.clientId);
  if (client) return { text: client, reported: true };
  return { text: `Device ${shortId(d.deviceId)}`, reported: false };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

export function isLoopback(ip: string | undefined): boolean {
  return !ip || LOOPBACK.test(ip.replace(/^\[|\]$/g, ''));
}

/** A paired device is remote when the gateway recorded a non-loopback address for it. */
export function isRemoteDevice(d: PairedDeviceView): boolean {
  return Boolean(d.remoteIp) && !isLoopback(d.remoteIp);
}

export function localityLabel(l: PendingRequestView['locality']): string {
  return l === 'local' ? 'Local' : l === 'browser' ? 'Browser page' : 'Remote';
}

export function reasonLabel(reason: string | undefined): string {
  switch (reason) {
    case 'not-paired': return 'New device';
    case 'scope-upgrade': return 'More scopes';
    case 'role-upgrade': return 'New role';
    case 'metadata-upgrade': return 'Device details changed';
    default: return reason ? reason.replace(/-/g, ' ') : '';
  }
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Re-render every `intervalMs` with the current time. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
