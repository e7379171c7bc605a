// What the Electron preload exposes to the window (absent when the page is served by the headless gateway).
// The contract itself lives in shared/ipc-contract.ts, shared with the preload and the main process.
import type { LoopgateBridge } from '../../shared/ipc-contract';

export type { ConnectInfo, LoopgateBridge } from '../../shared/ipc-contract';

declare global {
  interface Window {
    loopgate?: LoopgateBridge;
  }
}

export function bridge(): LoopgateBridge | undefined {
  return typeof window !== 'undefined' ? window.loopgate : undefined;
}
