// How an exec approval request is shown to a person (window, tray, notification), and whether it is risky
// enough that it must never be allowed with one click from outside the window (spec §12). Pure: the
// renderer and electron/app both use it, on the wire shape of exec.approval.requested's `request`.

/** The fields of an exec approval request this module reads; the gateway's full type satisfies it. */
export interface ApprovalRequestLike {
  command?: string;
  commandArgv?: readonly string[];
  commandPreview?: string | null;
  commandSpans?: ReadonlyArray<{ startIndex: number; endIndex: number }>;
  warningText?: string | null;
  systemRunPlan?: {
    argv?: readonly string[];
    commandText?: string;
    commandPreview?: string | null;
    mutableFileOperand?: { argvIndex: number; path: string; sha256?: string } | null;
  } | null;
  commandAnalysis?: { commandCount?: number; nestedCommandCount?: number; riskKinds?: readonly string[]; warningLines?: readonly string[] } | null;
}

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

/** The text the request's spans index into, and the text to show (the plan's command text first). */
export function commandTextOf(req: ApprovalRequestLike): string {
  const t = req.systemRunPlan?.commandText ?? req.command;
  if (typeof t === 'string' && t.length > 0) return t;
  const argv = req.systemRunPlan?.argv ?? req.commandArgv;
  return Array.isArray(argv) ? argv.join(' ') : '';
}

/**
 * The command cut into segments: hidden characters replaced by visible escapes (never dropped: a hidden
 * character in a command is itself worth seeing), the request's `commandSpans` marked. Spans are half-open
 * [startIndex, endIndex) UTF-16 offsets into the command text; malformed ones are ignored.
 */
export function displayCommand(command: string, spans: ApprovalRequestLike['commandSpans'] = [], max = COMMAND_DISPLAY_MAX): DisplayedCommand {
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

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'busybox', 'pwsh', 'powershell', 'cmd']);
/** Interpreters that run code given inline (`python -c`, `node -e`): as opaque as a shell. */
const INLINE_EVAL = new Map<string, readonly string[]>([
  ['python', ['-c']], ['python3', ['-c']], ['node', ['-e', '--eval', '-p', '--print']], ['deno', ['eval']], ['bun', ['-e', '--eval']],
  ['perl', ['-e', '-E']], ['ruby', ['-e']], ['php', ['-r']], ['osascript', ['-e']],
]);

function programName(arg0: string): string {
  const base = arg0.split(/[\\/]/).pop() ?? arg0;
  return base.toLowerCase().replace(/\.exe$/, '');
}

export type RiskKind = 'warning' | 'shell' | 'mutable-file' | 'hidden-characters' | 'compound';

export interface ApprovalRisk {
  kinds: RiskKind[];
  /** One short sentence per kind, for the window and the tray. */
  reasons: string[];
}

/**
 * Why a command needs a careful look: the gateway's own warning, a shell or inline interpreter (what it runs is
 * opaque), a file operand that may change between approval and run (the plan's `mutableFileOperand` beyond the
 * program itself), hidden characters, or several commands chained. Any of these: never one click from a
 * notification or the tray.
 */
export function approvalRisk(req: ApprovalRequestLike): ApprovalRisk {
  const kinds: RiskKind[] = [];
  const reasons: string[] = [];
  const add = (k: RiskKind, reason: string) => { if (!kinds.includes(k)) { kinds.push(k); reasons.push(reason); } };
  const analysis = req.commandAnalysis ?? null;
  if ((typeof req.warningText === 'string' && req.warningText.trim()) || (analysis?.warningLines?.length ?? 0) > 0 || (analysis?.riskKinds?.length ?? 0) > 0) {
    add('warning', 'The gateway flagged this command.');
  }
  const argv = req.systemRunPlan?.argv ?? req.commandArgv ?? [];
  const args = Array.isArray(argv) ? argv.filter((a): a is string => typeof a === 'string') : [];
  let start = 0;
  if (args[0] !== undefined && programName(args[0]) === 'env') {
    start = 1;
    while (start < args.length && (args[start]!.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[start]!))) start++;
  }
  const prog = args[start] !== undefined ? programName(args[start]!) : '';
  const evalFlags = INLINE_EVAL.get(prog.replace(/[\d.]+$/, '')) ?? INLINE_EVAL.get(prog);
  if (SHELLS.has(prog) || (evalFlags && args.slice(start + 1).some((a) => evalFlags.includes(a)))) {
    add('shell', 'It runs a shell or an interpreter; what it does is in the script text.');
  } else if (args.length === 0 && /^\s*(\S*[\\/])?(sh|bash|zsh|dash|pwsh|powershell|cmd)(\.exe)?\s+(-\w*c|\/c)\b/i.test(req.command ?? '')) {
    add('shell', 'It runs a shell or an interpreter; what it does is in the script text.');
  }
  const operand = req.systemRunPlan?.mutableFileOperand;
  if (operand && typeof operand.argvIndex === 'number' && operand.argvIndex > 0) {
    add('mutable-file', `It runs a file that can change before it runs: ${operand.path}.`);
  }
  if (displayCommand(commandTextOf(req)).hiddenCount > 0) add('hidden-characters', 'The command contains hidden or control characters.');
  if ((analysis?.commandCount ?? 1) > 1 || (analysis?.nestedCommandCount ?? 0) > 0) {
    add('compound', 'It chains or nests several commands.');
  }
  return { kinds, reasons };
}

export function isRiskyApproval(req: ApprovalRequestLike): boolean {
  return approvalRisk(req).kinds.length > 0;
}
