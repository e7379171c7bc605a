// The OS outputs attribution reads, recorded from real systems (and their odd cases): IPv6, spaces in
// paths, localized headers and dates, missing fields, garbage lines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isListener, isPeerSocket, parseSocketRow, parseStat } from './linux-proc';
import { scanSocketTable } from './socket-table-scan';
import { factsFromPs, parseLsofF, parsePs } from './macos-lsof';
import { factsFromWinJson, parseNetstat, parseNetTcpCsv } from './windows-netstat';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');

describe('Linux /proc', () => {
  test('tcp and tcp6 tables: ports, owners, inodes, v4-mapped and ::1 addresses; garbage skipped', async () => {
    const v4 = join(import.meta.dirname, 'testdata', 'proc-net-tcp.txt');
    const v6 = join(import.meta.dirname, 'testdata', 'proc-net-tcp6.txt');
    assert.deepEqual(await scanSocketTable(v4, 52041, isPeerSocket(52041, 18789)), { localAddr: '127.0.0.1', localPort: 52041, remoteAddr: '127.0.0.1', remotePort: 18789, state: '01', uid: 1000, inode: 2002 });
    assert.equal((await scanSocketTable(v4, 18789, isListener(18789)))?.inode, 1001);
    assert.equal((await scanSocketTable(v6, 52042, isPeerSocket(52042, 18789)))?.localAddr, '::1');
    assert.equal((await scanSocketTable(v6, 52042, isPeerSocket(52042, 18789)))?.uid, 65534);
    assert.equal((await scanSocketTable(v6, 52043, isPeerSocket(52043, 18789)))?.localAddr, '::ffff:127.0.0.1');
    assert.equal((await scanSocketTable(v6, 18790, isListener(18790)))?.localAddr, '::');
    assert.equal(await scanSocketTable(v6, 1, isPeerSocket(1, 18789)), undefined);
    assert.equal(await scanSocketTable(join(import.meta.dirname, 'testdata', 'no-such-table'), 18789, isListener(18789)), undefined);
    for (const bad of ['', '  sl  local_address rem_address   st tx_queue', '   3: garbage line', '   1: 0100007F:ZZZZ 0100007F:4965 01 0:0 0:0 0 x 0 2002']) {
      assert.equal(parseSocketRow(bad), undefined, bad);
    }
  });

  test('stat: a process name with spaces and parentheses, and nonsense', () => {
    assert.deepEqual(parseStat('4242 (evil) name (x)) S 4100 4242 4100 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 184467'), { pid: 4242, comm: 'evil) name (x)', ppid: 4100, startTicks: 987654 });
    assert.equal(parseStat('garbage'), undefined);
    assert.equal(parseStat(''), undefined);
  });
});

describe('macOS lsof and ps', () => {
  test('lsof -F: the peer socket by port pair, IPv6 included, names with spaces', () => {
    const rows = parseLsofF(fixture('lsof-established.txt'));
    const peer = rows.find((s) => s.local.port === 52345 && s.remote?.port === 18789);
    assert.deepEqual(peer, { pid: 4242, command: 'node', uid: 501, user: 'alice', local: { addr: '127.0.0.1', port: 52345 }, remote: { addr: '127.0.0.1', port: 18789 } });
    const v6 = rows.find((s) => s.local.port === 52350);
    assert.equal(v6?.local.addr, '::1');
    assert.equal(v6?.command, 'Google Chrome H');
    assert.equal(rows.find((s) => s.local.port === 52360)?.uid, 502);
    const listen = parseLsofF(fixture('lsof-listen.txt'));
    assert.equal(listen.find((s) => s.local.port === 18789)?.pid, 1337);
    assert.equal(listen.find((s) => s.local.port === 18790)?.local.addr, '*');
    assert.deepEqual(parseLsofF('n127.0.0.1:1->127.0.0.1:2\npnope\nn1.2.3.4:5\n'), [], 'file lines without a valid process set are ignored');
  });

  test('ps: paths with spaces, parent chain to launchd, Downloads warning, masked args', () => {
    const rows = parsePs(fixture('ps-macos.txt'));
    assert.equal(rows.get(4100)?.comm, '/Users/alice/Library/Application Support/Claude Code/bin/claude');
    const facts = factsFromPs(rows, 4242, '/opt/homebrew/bin/node /Users/alice/.npm/bin/claude --token abc123 --verbose')!;
    assert.equal(facts.name, 'node');
    assert.equal(facts.script, 'claude');
    assert.equal(facts.cmdline, '/opt/homebrew/bin/node /Users/alice/.npm/bin/claude --token *** --verbose');
    assert.equal(facts.user, 'alice');
    assert.equal(facts.uid, 501);
    assert.equal(facts.startedAtMs, Date.parse('Wed Dec 2 00:43:10 2026'));
    assert.deepEqual(facts.parents.map((p) => p.name), ['claude', 'zsh', 'kitty'], 'stops at the terminal');
    assert.equal(factsFromPs(rows, 4300, undefined)?.warning, 'download-folder');
    assert.equal(factsFromPs(rows, 9999, undefined), undefined, 'gone');
  });

  test('ps in another locale: no start time, the path still whole', () => {
    const rows = parsePs(fixture('ps-macos-localized.txt'));
    assert.equal(rows.get(4242)?.comm, '/Applications/Visual Studio Code.app/Contents/MacOS/Electron');
    assert.equal(rows.get(4242)?.startedAtMs, undefined);
    assert.deepEqual(factsFromPs(rows, 4242, undefined)?.parents.map((p) => p.name), ['launchd']);
  });
});

describe('Windows netstat, Get-NetTCPConnection and CIM', () => {
  for (const [name, lang] of [['netstat-en.txt', 'English'], ['netstat-de.txt', 'German']] as const) {
    test(`netstat -ano (${lang} headers and states)`, () => {
      const rows = parseNetstat(fixture(name));
      assert.equal(rows.find((r) => r.local.port === 52345 && r.remote.port === 18789)?.pid, 8848);
      assert.equal(rows.find((r) => r.local.addr === '::1' && r.local.port === 52346)?.pid, 9001);
      assert.equal(rows.find((r) => r.local.port === 18789 && r.remote.port === 0)?.pid, 5120);
      assert.ok(rows.every((r) => Number.isInteger(r.pid)));
    });
  }

  test('netstat: zone ids and UDP rows', () => {
    const rows = parseNetstat(fixture('netstat-en.txt'));
    assert.equal(rows.find((r) => r.local.port === 52347)?.local.addr, 'fe80::1');
    assert.equal(rows.some((r) => r.local.port === 5353), false);
  });

  test('Get-NetTCPConnection CSV', () => {
    const rows = parseNetTcpCsv(fixture('get-nettcpconnection.csv'));
    assert.equal(rows.find((r) => r.local.port === 52345 && r.remote.port === 18789)?.pid, 8848);
    assert.equal(rows.find((r) => r.local.addr === '::1')?.pid, 9001);
    assert.deepEqual(parseNetTcpCsv('"Foo","Bar"\n"1","2"\n'), []);
  });

  test('CIM process JSON (PowerShell 5.1): spaces and accents in paths, masked key, parents to explorer', () => {
    const facts = factsFromWinJson(fixture('win-process-ps51.json'))!;
    assert.equal(facts.pid, 8848);
    assert.equal(facts.name, 'node.exe');
    assert.equal(facts.exe, 'C:\\Program Files\\nodejs\\node.exe');
    assert.equal(facts.user, 'DESKTOP-1\\Ana María');
    assert.equal(facts.script, 'claude-code');
    assert.match(facts.cmdline!, /--api-key \*\*\*/);
    assert.doesNotMatch(facts.cmdline!, /sk-ant/);
    assert.equal(facts.startedAtMs, 1764636190000);
    assert.deepEqual(facts.parents.map((p) => p.name), ['pwsh.exe', 'explorer.exe']);
  });

  test('CIM process JSON (PowerShell 7): ISO date, temp folder, bidi in argv; garbage', () => {
    const facts = factsFromWinJson(fixture('win-process-ps7.json'))!;
    assert.equal(facts.warning, 'temp-folder');
    assert.equal(facts.startedAtMs, Date.parse('2026-12-02T00:43:10.1234567+01:00'));
    assert.equal(facts.cmdline, 'agent.exe --token=***');
    assert.equal(factsFromWinJson('not json'), undefined);
    assert.equal(factsFromWinJson('[]'), undefined);
    assert.equal(factsFromWinJson('{"ProcessId":"7"}'), undefined);
  });
});
