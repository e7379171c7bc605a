// One row of the kernel's socket tables without parsing all of them. Under reconnect churn /proc/net/tcp holds
// tens of thousands of TIME_WAIT rows (3 MB of text after a minute of the soak); turning the whole table into
// strings and objects for every lookup allocated gigabytes a minute, blew the heap up to hundreds of MB between
// collections and stalled the event loop. Here the table is read in chunks into one buffer, searched as bytes
// for the port, and only lines that mention it are decoded.
import { close, open, read } from 'node:fs';
import { isListener, isPeerSocket, parseSocketRow, type SocketRow } from './linux-proc';

// /proc/net/tcp hands out about a page per read whatever is asked for; regular files (and tests) fill it.
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** The first line of `lines` that mentions the port (`needle`) and parses to a row `wanted` accepts. */
function findInLines(lines: Buffer, needle: Buffer, wanted: (row: SocketRow) => boolean): SocketRow | undefined {
  for (let at = lines.indexOf(needle); at !== -1;) {
    const lineStart = at === 0 ? 0 : lines.lastIndexOf(NEWLINE, at - 1) + 1;
    const nl = lines.indexOf(NEWLINE, at);
    const lineEnd = nl === -1 ? lines.length : nl;
    const row = parseSocketRow(lines.toString('latin1', lineStart, lineEnd));
    if (row && wanted(row)) return row;
    at = nl === -1 ? -1 : lines.indexOf(needle, lineEnd + 1);
  }
  return undefined;
}

/**
 * The first row (in table order) that mentions `port` as a local or remote port and that `wanted` accepts;
 * undefined when there is none or the table cannot be read (no IPv6: no tcp6). Reading stops at the match.
 * The kernel hands this table out about 4 KB per read, so a large one takes hundreds of reads: they go through
 * the callback API with one buffer (FileHandle.read, with a promise per read, allocated about as many bytes as
 * it read: measured 1.7 MB per lookup in a 1.65 MB table).
 */
export function scanSocketTable(path: string, port: number, wanted: (row: SocketRow) => boolean, chunkBytes = CHUNK_BYTES): Promise<SocketRow | undefined> {
  // Addresses are written HEX_ADDR:PORT with the port as four upper-case hex digits and a space after it; the
  // other colon-separated columns carry eight digits, so this only finds address columns.
  const needle = Buffer.from(`:${port.toString(16).toUpperCase().padStart(4, '0')} `, 'latin1');
  return new Promise((resolve) => {
    open(path, 'r', (openErr, fd) => {
      if (openErr) return resolve(undefined);
      const finish = (row: SocketRow | undefined) => close(fd, () => resolve(row));
      const buf = Buffer.allocUnsafe(chunkBytes);
      let filled = 0;
      const step = (): void => read(fd, buf, filled, buf.length - filled, null, (readErr, bytesRead) => {
        if (readErr) return finish(undefined);
        filled += bytesRead;
        const done = bytesRead === 0;
        // Complete lines only; the tail of an unfinished one waits for the next read.
        let end = done ? filled : buf.lastIndexOf(NEWLINE, filled - 1) + 1;
        if (end === 0 && filled === buf.length) end = filled; // no line is this long: not a socket row, drop it
        const row = end > 0 ? findInLines(buf.subarray(0, end), needle, wanted) : undefined;
        if (row || done) return finish(row);
        buf.copy(buf, 0, end, filled);
        filled -= end;
        step();
      });
      step();
    });
  });
}

/** The peer's socket of a connection we accepted on 127.0.0.1 (the IPv4 table), or on ::1 / v4-mapped (tcp6). */
export async function findPeerSocketRow(procRoot: string, peerPort: number, ourPort: number): Promise<SocketRow | undefined> {
  const wanted = isPeerSocket(peerPort, ourPort);
  return (await scanSocketTable(`${procRoot}/net/tcp`, peerPort, wanted)) ?? scanSocketTable(`${procRoot}/net/tcp6`, peerPort, wanted);
}

/** The socket listening on `port`, IPv4 table first. */
export async function findListenerRow(procRoot: string, port: number): Promise<SocketRow | undefined> {
  const wanted = isListener(port);
  return (await scanSocketTable(`${procRoot}/net/tcp`, port, wanted)) ?? scanSocketTable(`${procRoot}/net/tcp6`, port, wanted);
}
