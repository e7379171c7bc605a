// Helper process for crash and concurrency tests (see fixtures.ts runChild). Actions:
//   write-atomic <file> <text>              one writeFileAtomic (used with LOOPGATE_FAULT)
//   add-device <dir> <deviceId>             open the store and add one device (used with LOOPGATE_FAULT)
//   add-many <dir> <prefix> <count>         print "ready", wait for "go", then <count> concurrent mutates
//   lock-increment <file> <count>           print "ready", wait for "go", then <count> locked read-increment-writes
//   append-acked <dir> <prefix> <count>     <count> mutates one after another, printing "ack <i>" after each
//                                           resolves (the parent kills it somewhere); with "compact" as a 4th
//                                           argument, compacts after every mutate
// LOOPGATE_TEST_JOURNAL_MAX sets journalMaxBytes (small: compactions all the time).
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from '../atomic-file';
import { withFileLock } from '../file-lock';
import { PairingStore } from '../pairing-store';
import { makeDevice } from './fixtures';

async function readyAndWait(): Promise<void> {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
}

const [action, target = '', ...rest] = process.argv.slice(2);
const journalMax = Number(process.env.LOOPGATE_TEST_JOURNAL_MAX);
const storeOpts = Number.isFinite(journalMax) && journalMax > 0 ? { journalMaxBytes: journalMax } : {};

switch (action) {
  case 'write-atomic':
    await writeFileAtomic(target, rest[0] ?? '');
    break;
  case 'add-device': {
    const store = await PairingStore.open(target, storeOpts);
    const id = rest[0] ?? 'dev';
    await store.mutate((devices) => void devices.set(id, makeDevice(id)));
    await store.close();
    break;
  }
  case 'add-many': {
    const [prefix = 'p', count = '20'] = rest;
    const store = await PairingStore.open(target, storeOpts);
    await readyAndWait();
    await Promise.all(
      Array.from({ length: Number(count) }, (_, i) => store.mutate((devices) => void devices.set(`${prefix}-${i}`, makeDevice(`${prefix}-${i}`)))),
    );
    await store.close();
    break;
  }
  case 'lock-increment': {
    const count = Number(rest[0] ?? '50');
    await readyAndWait();
    for (let i = 0; i < count; i++) {
      await withFileLock(`${target}.lock`, async () => {
        const n = Number(await fsp.readFile(target, 'utf8').catch(() => '0'));
        await new Promise((resolve) => setImmediate(resolve)); // widen the read-modify-write window
        await fsp.writeFile(target, String(n + 1));
      });
    }
    break;
  }
  case 'append-acked': {
    const [prefix = 'k', count = '200', compact] = rest;
    const store = await PairingStore.open(target, storeOpts);
    for (let i = 0; i < Number(count); i++) {
      await store.mutate((devices) => void devices.set(`${prefix}-${i}`, makeDevice(`${prefix}-${i}`)));
      process.stdout.write(`ack ${i}\n`);
      if (compact) await store.compact();
    }
    await store.close();
    break;
  }
  default:
    throw new Error(`unknown action ${action}`);
}
process.exit(0);
