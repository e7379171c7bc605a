import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { encodeChangeLine, encodeLine, parseJournal, type JournalHeader } from './journal';
import { makeDevice } from './testdata/fixtures';

const header: JournalHeader = { journal: 1, id: 'lineage-1', base: 4, createdAtMs: 1 };

function journalOf(...lines: Buffer[]): Buffer {
  return Buffer.concat([encodeLine(header), ...lines]);
}

function put(g: number, id: string): Buffer {
  const d = makeDevice(id);
  return encodeChangeLine(g, 100 + g, new Map([[id, { json: JSON.stringify(d) }]]));
}

test('records round-trip: header, puts and deletes, each with the offset after it', () => {
  const del = encodeChangeLine(7, 9, new Map([['a', null]]));
  const bytes = journalOf(put(5, 'a'), put(6, 'b'), del);
  const parsed = parseJournal(bytes);
  assert.deepEqual(parsed.header, header);
  assert.deepEqual(parsed.records.map((r) => r.record.g), [5, 6, 7]);
  assert.deepEqual(parsed.records[0]!.record.put!.a, makeDevice('a'));
  assert.deepEqual(parsed.records[2]!.record.del, ['a']);
  assert.equal(parsed.records.at(-1)!.end, bytes.length);
  assert.equal(parsed.goodEnd, bytes.length);
  assert.equal(parsed.torn, undefined);
  assert.equal(parsed.corrupt, undefined);
  // Parsing from an offset (a tail appended by another process) reports file offsets.
  const from = parsed.records[0]!.end;
  const tail = parseJournal(bytes.subarray(from), from);
  assert.deepEqual(tail.records.map((r) => r.record.g), [6, 7]);
  assert.equal(tail.goodEnd, bytes.length);
});

test('a damaged last record is torn (every record before it is kept), whatever the damage', () => {
  const good = journalOf(put(5, 'a'));
  const last = put(6, 'b');
  const cases: Array<[string, Buffer]> = [
    ['half a record', last.subarray(0, last.length >> 1)],
    ['all but the newline', last.subarray(0, last.length - 1)],
    ['a flipped byte', Buffer.from(last.map((b, i) => (i === 40 ? b ^ 0x01 : b)))],
    ['zeros from a lost block', Buffer.alloc(64)],
    ['zeros with a newline', Buffer.concat([Buffer.alloc(64), Buffer.from('\n')])],
    ['a frame without its checksum', Buffer.from('{"g":6}\n')],
  ];
  for (const [what, tail] of cases) {
    const parsed = parseJournal(Buffer.concat([good, tail]));
    assert.equal(parsed.corrupt, undefined, what);
    assert.ok(parsed.torn, what);
    assert.equal(parsed.torn.offset, good.length, what);
    assert.equal(parsed.goodEnd, good.length, what);
    assert.deepEqual(parsed.records.map((r) => r.record.g), [5], what);
  }
});

test('damage with good records after it is corrupt, not torn', () => {
  const a = put(5, 'a');
  const flipped = Buffer.from(a.map((b, i) => (i === 30 ? b ^ 0x20 : b)));
  const parsed = parseJournal(journalOf(flipped, put(6, 'b')));
  assert.ok(parsed.corrupt);
  assert.match(parsed.corrupt.reason, /checksum/);
  assert.equal(parsed.records.length, 0);
});

test('well-framed records that make no sense are corrupt wherever they are', () => {
  const bad = [
    { g: 0, at: 1 },
    { g: 'x' },
    { g: 5, put: { a: { deviceId: 'a' } } },
    { g: 5, put: { a: makeDevice('b') } },
    { g: 5, del: 'a' },
    [1, 2],
  ];
  for (const value of bad) {
    const parsed = parseJournal(journalOf(encodeLine(value as never)));
    assert.ok(parsed.corrupt, JSON.stringify(value));
  }
  // "__proto__" as a device id would vanish in an object: refused.
  const json = Buffer.from(`{"g":5,"at":1,"put":{"__proto__":${JSON.stringify(makeDevice('x'))}}}`);
  const line = Buffer.concat([Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} `), json, Buffer.from('\n')]);
  assert.ok(parseJournal(journalOf(line)).corrupt);
});

test('the header is written atomically: a damaged or foreign header is corrupt, never torn', () => {
  for (const bytes of [
    Buffer.from('garbage'),
    Buffer.from('garbage\n'),
    encodeLine({ journal: 2, id: 'x', base: 0, createdAtMs: 0 } as never),
    encodeLine({ journal: 1, id: '', base: 0, createdAtMs: 0 }),
    encodeLine({ journal: 1, id: 'x', base: -1, createdAtMs: 0 }),
  ]) {
    const parsed = parseJournal(bytes);
    assert.equal(parsed.header, undefined);
    assert.ok(parsed.corrupt, bytes.toString());
    assert.equal(parsed.torn, undefined);
  }
});
