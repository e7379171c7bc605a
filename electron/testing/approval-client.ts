// An OpenClaw-style approval client for tests: operator.admin + operator.approvals with the "exec-approvals"
// cap, as the reference's listener connected.
import assert from 'node:assert/strict';
import { connectDevice, type TestSocket } from './device-client';

export async function connectApprover(url: string, token: string): Promise<TestSocket> {
  const r = await connectDevice(url, null, {
    token, scopes: ['operator.admin', 'operator.approvals'], clientId: 'gateway-client', clientMode: 'backend', displayName: 'listener',
    tamper: (p) => { p.caps = ['exec-approvals']; },
  });
  assert.equal(r.res.ok, true, JSON.stringify(r.res.error));
  return r.socket;
}
