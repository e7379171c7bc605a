// Small text helpers shared by the views: times, names, addresses.
import type { PairedDeviceView, PendingRequestView } from '../../shared/pairing-types';
import { useEffect, useState } from 'react';

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

export function dateTime(ms: number | undefined): string {
  if (!ms) return '—';
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

export function timeOnly(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

export function dayLabel(ms: number, now: number): string {
  const d = new Date(ms);
  const today = new Date(now);
  const yesterday = new Date(now - DAY);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
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

/** The name to show, and whether it came from the device itself (client-reported, not verified). */
export function deviceName(d: Pick<PairedDeviceView, 'displayName' | 'clientId' | 'deviceId'>): { text: string; reported: boolean } {
  if (d.displayName) return { text: d.displayName, reported: true };
  if (d.clientId) return { text: d.clientId, reported: true };
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
