// The tray app's answer to a taken port: who holds it, in one sentence, and the choices: attach to an
// OpenClaw gateway (`loopgate attach`), or move Loopgate's own gateway to a free port saved in Settings.
import { dialog } from 'electron';
import { Attributor } from '../attribution/attributor';
import { portTakenSentence, whoHoldsPort, type PortHolder } from '../attribution/port-holder';
import { GatewayConfigStore } from '../config/gateway-config';

export type PortChoice = { kind: 'attach' } | { kind: 'move'; port: number } | { kind: 'quit' };

/** Ask the user; attaching is remembered by the caller, a move is saved in Settings (config.json) before the gateway starts there. */
export async function askAboutTakenPort(port: number, home: string, log: (line: string) => void): Promise<PortChoice> {
  let holder: PortHolder;
  try {
    holder = await whoHoldsPort(port, await Attributor.forThisOs());
  } catch (e) {
    log(`port holder lookup failed: ${(e as Error).message}`);
    holder = { port, attribution: { status: 'unknown', method: 'none', why: 'lookup failed', atMs: Date.now() }, answersAsGateway: false, kind: 'other' };
  }
  const sentence = portTakenSentence(holder, 'tray');
  log(sentence);
  // A gateway on the port can be attached to (its devices and requests in this window); or move aside.
  const attach = holder.answersAsGateway ? ['Attach to it'] : [];
  const move = holder.freePort ? [`Use port ${holder.freePort}`] : [];
  const buttons = [...attach, ...move, 'Quit'];
  const { response } = await dialog.showMessageBox({
    type: 'warning', title: 'Loopgate: the gateway port is taken', message: `Port ${port} is taken`, detail: sentence,
    buttons, defaultId: 0, cancelId: buttons.length - 1, noLink: true,
  });
  if (attach.length && response === 0) return { kind: 'attach' };
  if (!holder.freePort || response !== attach.length) return { kind: 'quit' };
  const config = await GatewayConfigStore.open(home);
  await config.set('port', holder.freePort);
  return { kind: 'move', port: holder.freePort };
}
