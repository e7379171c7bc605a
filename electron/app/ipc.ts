// Typed IPC over the channel map in ipc-contract.ts. Every handler runs only for a trusted sender:
// one of our own windows (webContents id registered at creation, dropped on 'destroyed') whose frame
// is on the app origin — Electron security checklist #17.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { APP_ORIGIN, originOf } from './app-origin';
import type { InvokeChannels, SendChannels } from '../../shared/ipc-contract';
import type { GatewayHandle } from '../gateway/gateway-handle';

export class TrustedSenders {
  private readonly ids = new Set<number>();

  add(wc: WebContents): void {
    const id = wc.id;
    this.ids.add(id);
    // Ids are not reused while the app runs, but a destroyed window must stop being trusted at once.
    wc.once('destroyed', () => this.ids.delete(id));
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Our window AND a frame on our origin: a navigated or embedded frame does not inherit trust. */
  isTrusted(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): boolean {
    if (!this.ids.has(event.sender.id)) return false;
    return originOf(event.senderFrame?.url) === APP_ORIGIN;
  }
}

type Handler<K extends keyof InvokeChannels> = (
  event: IpcMainInvokeEvent,
  ...args: Parameters<InvokeChannels[K]>
) => ReturnType<InvokeChannels[K]> | Awaited<ReturnType<InvokeChannels[K]>>;

/** ipcMain.handle for one contract channel; untrusted senders get a rejection and nothing else. */
export function handle<K extends keyof InvokeChannels>(channel: K, trusted: TrustedSenders, handler: Handler<K>): () => void {
  ipcMain.handle(channel, (event, ...args: unknown[]) => {
    if (!trusted.isTrusted(event)) {
      throw new Error(`IPC ${channel} refused: untrusted sender`);
    }
    return handler(event, ...(args as Parameters<InvokeChannels[K]>));
  });
  return () => ipcMain.removeHandler(channel);
}

/** webContents.send for one contract channel. */
export function send<K extends keyof SendChannels>(wc: WebContents, channel: K, ...args: Parameters<SendChannels[K]>): void {
  if (!wc.isDestroyed()) wc.send(channel, ...args);
}

/** Register every main-side handler; returns a disposer. */
export function registerIpc(gateway: Pick<GatewayHandle, 'url' | 'issueOwnerCredential'>, trusted: TrustedSenders): () => void {
  // A fresh one-time credential per call: a reload or a second window never reuses one.
  return handle('gateway:connect-info', trusted, async () => ({ url: gateway.url, credential: gateway.issueOwnerCredential() }));
}
