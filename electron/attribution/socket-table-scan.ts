// One row of the kernel's socket tables without parsing all of them. Under reconnect churn /proc/net/tcp holds
// tens of thousands of TIME_WAIT rows (3 MB of text after a minute of the soak); turning the whole table into
// strings and objects for every lookup allocated gigabytes a minute, blew the heap up to hundreds of MB between
// collections and stalled the event loop. Here the table is read in chunks into one buffer, searched as bytes
// for the port, and only lines that mention it are decoded.
import { open } from 'node:fs/promises';
import { isListener, isPeerSocket, parseSocketRow, type SocketRow } from './linux-proc';

// /proc/net/tcp hands out about a page per read whatever is asked for; regular files (and tests) fill it.
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The first row (in table order) that mentions `port` as a local or remote port and that `wanted` accepts;
 * undefined when there is none or the table cannot be read (no IPv6: no tcp6). Reading stops at the match.
 */
export async function scanSocketTable(path: string, port: number, wanted: (row: SocketRow) => boolean, chunkBytes = CHUNK_BYTES): Promise<SocketRow | undefined> {
  // Addresses are written HEX_ADDR:PORT with the port as four upper-case hex digits and a space after it; the
  // other colon-separated columns carry eight digits, so this only finds address columns.
  const needle = Buffer.from(`:${port.toString(16).toUpperCase().padStart(4, '0')} `, 'latin1');
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      const done = bytesRead === 0;
      // Complete lines only; the tail of an unfinished one waits for the next read.
      let end = done ? filled : buf.lastIndexOf(NEWLINE, filled - 1) + 1;
      if (end === 0 && filled === buf.length) end = filled; // no line is this long: not a socket row, drop it
      let at = buf.indexOf(needle, 0);
      while (at !== -1 && at < end) {
        const lineStart = at === 0 ? 0 : buf.lastIndexOf(NEWLINE, at - 1) + 1;
        const nl = buf.indexOf(NEWLINE, at);
        const lineEnd = nl === -1 || nl >= end ? end : nl;
        const row = parseSocketRow(buf.toString('latin1', lineStart, lineEnd));
        if (row && wanted(row)) return row;
        at = lineEnd >= end ? -1 : buf.indexOf(needle, lineEnd + 1);
      }
      if (done) return undefined;
      buf.copy(buf, 0, end, filled);
      filled -= end;
    }
  } finally {
    await fh.close().catch(() => {});
  }
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
