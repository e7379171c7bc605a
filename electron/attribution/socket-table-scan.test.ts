// Finding one socket in a table as big as reconnect churn makes it (tens of thousands of TIME_WAIT rows): the
// right row wherever it sits relative to the read chunks, the first match in table order, and a cost in
// allocations that does not grow with the table (measured with V8's sampling heap profiler).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isListener, isPeerSocket, parseSocketRow } from './linux-proc';
import { findListenerRow, findPeerSocketRow, scanSocketTable } from './socket-table-scan';

const OUR_PORT = 18789;
const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

function row(sl: number, localPort: number, remotePort: number, state: string, uid: number, inode: number): string {
  return `${String(sl).padStart(5)}: 0100007F:${hex4(localPort)} 0100007F:${hex4(remotePort)} ${state} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 20 4 30 10 -1\n`;
}

/** A table like the one after a minute of churn: the listener, then rows of closed connections, the wanted row at `at`. */
function churnTable(rows: number, at: number, peerPort: number): string {
  let text = HEADER + row(0, OUR_PORT, 0, '0A', 0, 1001);
  for (let i = 1; i <= rows; i++) {
    const p = 20_000 + (i % 40_000);
    if (i === at) text += row(i, peerPort, OUR_PORT, '01', 1000, 777_777);
    // The gateway's side of the same pair, and an earlier connection from the same port (TIME_WAIT, no inode):
    // both mention the peer port and are not the peer's socket.
    else if (i === at - 1) text += row(i, OUR_PORT, peerPort, '01', 0, 5);
    else if (i === at - 2) text += row(i, peerPort, OUR_PORT, '06', 0, 0);
    else text += row(i, p, OUR_PORT, '06', 0, 0);
  }
  return text;
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopgate-socktable-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the peer socket is found wherever it sits, across read chunks, past same-port rows that are not it', async () => {
  const rows = 3000;
  for (const at of [3, 7, 1500, rows - 1, rows]) {
    const path = join(dir, `tcp-${at}`);
    const text = churnTable(rows, at, 61_234);
    await writeFile(path, text);
    const lines = text.split('\n');
    const longest = Math.max(...lines.map((l) => l.length + 1));
    // Chunks of exactly the longest line, a little more, and larger: every alignment of the row against a read.
    for (const chunk of [longest, longest + 1, longest + 37, 4096, 65_536]) {
      const found = await scanSocketTable(path, 61_234, isPeerSocket(61_234, OUR_PORT), chunk);
      assert.equal(found?.inode, 777_777, `row ${at}, chunk ${chunk}`);
      assert.deepEqual(found, parseSocketRow(lines[at + 1]!));
    }
    assert.equal((await scanSocketTable(path, OUR_PORT, isListener(OUR_PORT), longest))?.inode, 1001);
    assert.equal(await scanSocketTable(path, 61_235, isPeerSocket(61_235, OUR_PORT), longest), undefined);
  }
});

test('a table without a trailing newline, an empty table, and tcp6 when tcp has no match', async () => {
  const proc = join(dir, 'proc');
  await writeFile(join(dir, 'tail'), churnTable(50, 50, 40_000).trimEnd());
  assert.equal((await scanSocketTable(join(dir, 'tail'), 40_000, isPeerSocket(40_000, OUR_PORT)))?.inode, 777_777);
  await writeFile(join(dir, 'empty'), '');
  assert.equal(await scanSocketTable(join(dir, 'empty'), 40_000, isPeerSocket(40_000, OUR_PORT)), undefined);
  await import('node:fs/promises').then((fs) => fs.mkdir(join(proc, 'net'), { recursive: true }));
  await writeFile(join(proc, 'net', 'tcp'), churnTable(20, 5, 41_000));
  const v6 = `${HEADER}    0: 0000000000000000FFFF00000100007F:${hex4(42_000)} 0000000000000000FFFF00000100007F:${hex4(OUR_PORT)} 01 00000000:00000000 00:00000000 00000000  1000        0 9090 1\n`
    + `    1: 00000000000000000000000000000000:${hex4(18_790)} 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9191 1\n`;
  await writeFile(join(proc, 'net', 'tcp6'), v6);
  assert.equal((await findPeerSocketRow(proc, 41_000, OUR_PORT))?.inode, 777_777);
  assert.equal((await findPeerSocketRow(proc, 42_000, OUR_PORT))?.localAddr, '::ffff:127.0.0.1');
  assert.equal((await findListenerRow(proc, OUR_PORT))?.inode, 1001);
  assert.equal((await findListenerRow(proc, 18_790))?.localAddr, '::');
  assert.equal(await findPeerSocketRow(join(dir, 'no-proc'), 41_000, OUR_PORT), undefined);
});

test('one lookup in a 30,000-row table allocates a small fraction of the table, not objects for every row', async () => {
  const rows = 30_000;
  const path = join(dir, 'tcp-big');
  const text = churnTable(rows, rows - 10, 55_555);
  await writeFile(path, text);
  const session = new Session();
  session.connect();
  try {
    // Every allocation counts, also what a collection already freed again.
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    // Half the lookups read 4 KB at a time, as the kernel hands out /proc/net/tcp (hundreds of reads per lookup).
    for (let i = 0; i < 5; i++) assert.equal((await scanSocketTable(path, 55_555, isPeerSocket(55_555, OUR_PORT), i % 2 ? 4096 : undefined))?.inode, 777_777);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    let allocated = 0;
    const walk = (n: { selfSize: number; children: unknown[] }) => {
      allocated += n.selfSize;
      for (const c of n.children) walk(c as typeof n);
    };
    walk(profile.head as never);
    const perLookup = allocated / 5;
    // Parsing the table whole allocated about 20 times its size (strings for every field of every row).
    assert.ok(perLookup < text.length / 4, `one lookup allocated ${Math.round(perLookup / 1024)} KB for a ${Math.round(text.length / 1024)} KB table`);
  } finally {
    session.disconnect();
  }
});
