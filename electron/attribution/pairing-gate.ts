// What attribution changes about a pairing decision. It can only make a decision stricter: another OS
// user's loopback peer is not local, and a device coming back from another program is asked about.
// Nothing attribution finds (or fails to find) ever turns an explicit request into a silent approval.
import { attributionLabel, programName, programOf, sameProgram, type PeerAttribution, type ProgramRef } from '../../shared/attribution';
import type { ClientLocality, PairingDecision } from '../../shared/pairing-decision';

export interface GateInput {
  locality: ClientLocality;
  attribution: PeerAttribution | undefined;
  /** The program the device was approved from, if known. */
  approvedFrom: ProgramRef | undefined;
  pinning: boolean;
}

export interface GateResult {
  /** The locality to decide with: 'remote' when the peer is another OS user's. */
  locality: ClientLocality;
  /** Set when a silent approval must become a request (the program changed). */
  holdWhy?: string;
  programChanged: boolean;
  otherUser: boolean;
  program?: ProgramRef;
}

export function gateByAttribution(input: GateInput, now = Date.now()): GateResult {
  const a = input.attribution;
  const program = programOf(a, now);
  const otherUser = a?.sameUser === false;
  const locality: ClientLocality = otherUser && input.locality === 'local' ? 'remote' : input.locality;
  const programChanged = !!program && !!input.approvedFrom && !sameProgram(input.approvedFrom, program);
  const result: GateResult = { locality, programChanged, otherUser, ...(program ? { program } : {}) };
  if (programChanged && input.pinning) {
    result.holdWhy = `program changed: approved from ${programName(input.approvedFrom!)}, now ${attributionLabel(a)}`;
  }
  return result;
}

/** Apply the gate's hold to a decision: a silent approval becomes an explicit request. */
export function holdIfNeeded(decision: PairingDecision, gate: GateResult): PairingDecision {
  if (decision.kind !== 'approval' || !decision.silent) return decision;
  if (gate.holdWhy) return { ...decision, silent: false, why: gate.holdWhy };
  return decision;
}

/** The cap key for pending requests: per program (executable and OS user) for loopback peers when known. */
export function capKeyOf(a: PeerAttribution | undefined): string | undefined {
  const p = a?.status === 'found' ? a.process : undefined;
  if (!p) return undefined;
  return `program:${p.exe ?? p.name}\u0000${p.user ?? p.uid ?? a?.socketUid ?? ''}`;
}
