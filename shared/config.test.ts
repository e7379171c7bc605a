import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, setConfigPath } from './config';

test('config.set accepts known paths with valid values and names what is wrong otherwise', () => {
  const c = defaultConfig();
  const off = setConfigPath(c, 'silentApproval.enabled', false);
  assert.equal(off.ok && off.config.silentApproval.enabled, false);
  assert.equal(c.silentApproval.enabled, true, 'the original is untouched');
  const cap = setConfigPath(c, 'silentApproval.ceiling', ['operator.read', 'operator.write']);
  assert.deepEqual(cap.ok && cap.config.silentApproval.ceiling, ['operator.read', 'operator.write']);
  const bad = setConfigPath(c, 'port', 'eighty');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error : '', /invalid value for port/);
  const unknown = setConfigPath(c, 'limits.__proto__', 1);
  assert.equal(unknown.ok, false);
  assert.match(!unknown.ok ? unknown.error : '', /unknown config path/);
});

test('approvals.timeoutMs: settable, bounded, and absent in older files', () => {
  const { approvals: _drop, ...older } = defaultConfig();
  const set = setConfigPath(older, 'approvals.timeoutMs', 60_000);
  assert.equal(set.ok && set.config.approvals?.timeoutMs, 60_000);
  assert.equal(setConfigPath(older, 'approvals.timeoutMs', 10).ok, false);
  assert.equal(defaultConfig().approvals?.timeoutMs, 1_800_000);
});
