// The tray's desktop items as the user sees them in each state, and what each click does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoginItemState, UpdateStatus } from '../../shared/ipc-contract';
import { desktopMenuItems } from './tray-desktop';

type Item = { id?: string; label?: string; type?: string; checked?: boolean; enabled?: boolean; click?: () => void };
const calls: string[] = [];
const act = {
  setLoginItem: (v: boolean) => calls.push(`login:${v}`),
  checkForUpdates: () => calls.push('check'),
  restartToUpdate: () => calls.push('restart'),
  openLogs: () => calls.push('logs'),
};
const on: LoginItemState = { enabled: true, supported: true, asked: true };
const off: LoginItemState = { enabled: false, supported: true, asked: false };
const up = (u: Partial<UpdateStatus>): UpdateStatus => ({ phase: 'idle', currentVersion: '0.1.0', ...u });
const items = (li: LoginItemState | null, u: UpdateStatus) => desktopMenuItems({ loginItem: li, update: u }, act) as Item[];
const byId = (list: Item[], id: string) => list.find((i) => i.id === id)!;

test('Start at login: a checkbox showing the state read from the system; a click asks for the opposite', () => {
  calls.length = 0;
  const a = byId(items(off, up({})), 'start-at-login');
  assert.deepEqual([a.type, a.checked, a.enabled], ['checkbox', false, true]);
  a.click!();
  const b = byId(items(on, up({})), 'start-at-login');
  assert.equal(b.checked, true);
  b.click!();
  assert.deepEqual(calls, ['login:true', 'login:false']);
  // Not read yet, or not supported: unchecked and greyed.
  assert.equal(byId(items(null, up({})), 'start-at-login').enabled, false);
  assert.equal(byId(items({ ...off, supported: false }, up({})), 'start-at-login').enabled, false);
});

test('the update item follows the phase', () => {
  calls.length = 0;
  const label = (u: Partial<UpdateStatus>) => {
    const list = items(on, up(u));
    return list.find((i) => i.id === 'check-updates' || i.id === 'restart-to-update')!;
  };
  assert.equal(label({}).label, 'Check for updates');
  label({ phase: 'up-to-date' }).click!();
  assert.deepEqual([label({ phase: 'checking' }).label, label({ phase: 'checking' }).enabled], ['Checking for updates…', false]);
  assert.deepEqual([label({ phase: 'downloading', version: '0.2.0', progressPercent: 40 }).label, label({ phase: 'downloading' }).enabled], ['Downloading update 0.2.0… 40%', false]);
  assert.equal(label({ phase: 'error', problem: 'offline' }).label, 'Check for updates (last check failed)');
  label({ phase: 'error' }).click!();
  assert.deepEqual([label({ phase: 'disabled' }).label, label({ phase: 'disabled' }).enabled], ['Check for updates (off in this build)', false]);
  const ready = label({ phase: 'ready', version: '0.2.0' });
  assert.deepEqual([ready.id, ready.label], ['restart-to-update', 'Restart to update to 0.2.0']);
  ready.click!();
  byId(items(on, up({})), 'open-logs').click!();
  assert.deepEqual(calls, ['check', 'check', 'restart', 'logs']);
});
