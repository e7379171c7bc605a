// How an exec approval is shown to a person (window, tray, notification), and whether it is risky enough that
// it must never be allowed with one click from outside the window (spec §12). Pure: the renderer and
// electron/app both use it, on the gateway's LoopgateApprovalView.

import type { ApprovalRisk, CommandSpan, LoopgateApprovalView } from './exec-approval-types';

export interface CommandSegment {
  text: string;
  /** plain text; a span the request marks; a hidden character made visible (e.g. `\n`, `<U+202E>`). */
  kind: 'plain' | 'marked' | 'hidden';
}

export interface DisplayedCommand {
  segments: CommandSegment[];
  /** The segments as one line of text (what a notification or a menu item can hold). */
  text: string;
  /** Control or bidi characters that were in the command (each shown as a visible escape). */
  hiddenCount: number;
  truncated: boolean;
}

/** More than this is cut with "…": the window shows the first part and says so. */
export const COMMAND_DISPLAY_MAX = 2000;

// C0/C1 controls, DEL, zero-width and bidi marks, embeddings, overrides and isolates, BOM, line/paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOf(ch: string): string {
  return ESCAPES[ch] ?? `<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * The command cut into segments: hidden characters replaced by visible escapes (never dropped: a hidden
 * character in a command is itself worth seeing), the request's `commandSpans` marked. Spans are half-open
 * [startIndex, endIndex) UTF-16 offsets into the command text; malformed ones are ignored.
 */
export function displayCommand(command: string, spans: readonly CommandSpan[] | undefined = [], max = COMMAND_DISPLAY_MAX): DisplayedCommand {
  const len = Math.min(command.length, max);
  const marked = new Uint8Array(len);
  for (const s of Array.isArray(spans) ? spans : []) {
    if (!s || !Number.isInteger(s.startIndex) || !Number.isInteger(s.endIndex)) continue;
    const from = Math.max(0, s.startIndex);
    const to = Math.min(len, s.endIndex);
    for (let i = from; i < to; i++) marked[i] = 1;
  }
  const segments: CommandSegment[] = [];
  let hiddenCount = 0;
  const push = (text: string, kind: CommandSegment['kind']) => {
    const last = segments[segments.length - 1];
    if (last && last.kind === kind && kind !== 'hidden') last.text += text;
    else segments.push({ text, kind });
  };
  for (let i = 0; i < len; i++) {
    const ch = command[i]!;
    if (HIDDEN.test(ch)) {
      hiddenCount++;
      push(escapeOf(ch), 'hidden');
    } else {
      push(ch, marked[i] ? 'marked' : 'plain');
    }
  }
  // Hidden characters beyond the cut still count: they make the command risky.
  for (let i = len; i < command.length; i++) if (HIDDEN.test(command[i]!)) hiddenCount++;
  const truncated = command.length > len;
  if (truncated) push('…', 'plain');
  return { segments, text: segments.map((s) => s.text).join(''), hiddenCount, truncated };
}

/** What each of the gateway's risk marks means, in one sentence (window, tray). */
export const RISK_TEXT: Record<ApprovalRisk, string> = {
  warning: 'The gateway flagged this command.',
  'mutable-file-operand': 'It runs a file that can change between your answer and the run.',
  shell: 'It runs a shell; what it does is in the script text.',
  'inline-eval': 'It runs code given inline to an interpreter.',
  'command-carrier': 'It runs another command through a wrapper.',
  other: 'It needs a careful look.',
};

/**
 * Never one click from a notification or the tray: anything the gateway marked risky, anything it warned about,
 * and any hidden character left in the text (defence in depth: the gateway escapes them already).
 */
export function needsReviewInWindow(view: Pick<LoopgateApprovalView, 'risks' | 'warningText' | 'warningLines' | 'commandText'>): boolean {
  return (view.risks?.length ?? 0) > 0 || Boolean(view.warningText?.trim()) || (view.warningLines?.length ?? 0) > 0
    || displayCommand(view.commandText ?? '').hiddenCount > 0;
}
