// What a prompt shows of a command: invisibles escaped (so nothing hides in the text the user reads), the
// display limit enforced, and the reasons a command must never be one click from a notification.
import type { ApprovalRisk, CommandAnalysis, CommandSpan, SystemRunPlan } from '../../shared/exec-approval-types';
import { EXEC_APPROVAL_DISPLAY_LIMIT } from '../../shared/exec-approval-types';

/** Control, format, separator and look-alike blank characters: shown as \u{HEX}, never rendered. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000\u115F\u1160\u3164\uFFA0]/gu;
/** Input beyond this is not even escaped. */
const MAX_INPUT = 262_144;

export interface CleanText {
  text: string;
  /** Over the display limit: the request is refused rather than shown cut. */
  overLimit: boolean;
  /** Nothing was escaped: spans given against the raw text still index the shown text. */
  unchanged: boolean;
}

function escapeInvisibles(text: string, keepLineBreaks: boolean): string {
  return text.replace(INVISIBLE, (ch) => (keepLineBreaks && ch === '\n' ? ch : `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`));
}

export function cleanCommandText(raw: string): CleanText {
  if (raw.length > MAX_INPUT) return { text: '', overLimit: true, unchanged: false };
  const text = escapeInvisibles(raw, false);
  return { text, overLimit: text.length > EXEC_APPROVAL_DISPLAY_LIMIT, unchanged: text === raw };
}

/** Warning prose keeps its line breaks; anything past the limit is cut with a marker. */
export function cleanWarningText(raw: string): string {
  const text = escapeInvisibles(raw.replace(/\r\n?/g, '\n').replace(/[\u2028\u2029]/g, '\n').slice(0, MAX_INPUT), true);
  return text.length > EXEC_APPROVAL_DISPLAY_LIMIT ? `${text.slice(0, EXEC_APPROVAL_DISPLAY_LIMIT)}…[truncated]` : text;
}

/** Well-formed, in order, non-overlapping spans inside the text; anything else is dropped. */
export function normalizeSpans(spans: CommandSpan[] | undefined, length: number): CommandSpan[] | undefined {
  if (!spans) return undefined;
  const ok = spans
    .filter((s) => Number.isSafeInteger(s.startIndex) && Number.isSafeInteger(s.endIndex) && s.startIndex >= 0 && s.endIndex > s.startIndex && s.endIndex <= length)
    .sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  const out: CommandSpan[] = [];
  let cursor = 0;
  for (const s of ok) {
    if (s.startIndex < cursor) continue;
    out.push({ startIndex: s.startIndex, endIndex: s.endIndex });
    cursor = s.endIndex;
  }
  return out.length ? out : undefined;
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'csh', 'tcsh', 'ash', 'busybox', 'cmd', 'powershell', 'pwsh']);
const SHELL_FLAGS = /^(-[a-z]*c[a-z]*|\/c|\/k|-command|-c|-encodedcommand|-e)$/i;
const INTERPRETERS: Record<string, RegExp> = {
  python: /^(-c|-m)$/, python3: /^(-c|-m)$/, node: /^(-e|--eval|-p|--print)$/, deno: /^eval$/, bun: /^(-e|--eval)$/,
  perl: /^-[a-zA-Z]*[eE]$/, ruby: /^-e$/, php: /^-r$/, lua: /^-e$/, osascript: /^-e$/,
};
const CARRIERS = new Set(['env', 'xargs', 'sudo', 'doas', 'su', 'nohup', 'timeout', 'nice', 'ionice', 'setsid', 'stdbuf', 'chroot', 'runuser', 'watch', 'time', 'exec', 'eval', 'command', 'builtin', 'ssh', 'npx', 'pnpx']);

function base(path: string): string {
  const name = (path.split(/[\\/]/).pop() ?? path).toLowerCase();
  return name.endsWith('.exe') ? name.slice(0, -4) : name;
}

/** argv as one line, arguments with blanks or quotes in double quotes (the node's commandText form). */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((a) => (a === '' || /[\s"'\\$`]/.test(a) ? `"${a.replace(/(["\\$`])/g, '\\$1')}"` : a)).join(' ');
}

export interface CommandRisks {
  risks: ApprovalRisk[];
  analysis: CommandAnalysis;
}

/**
 * Why a command deserves a second look. A shell or an interpreter with inline code runs text the prompt cannot
 * fully show; a carrier (env, sudo, xargs, find -exec) runs another command; a mutable file operand (a script
 * the command reads, not the executable itself) may change between approval and run.
 */
export function assessCommand(argv: readonly string[] | null, plan: SystemRunPlan | null, warningText: string | null, commandText?: string): CommandRisks {
  const risks = new Set<ApprovalRisk>();
  const kinds = new Set<string>();
  const lines: string[] = [];
  if (warningText) risks.add('warning');
  // The text a requester shows must be what runs: otherwise the prompt says so and shows the argv.
  if (argv && argv.length && commandText !== undefined && commandText !== argv.join(' ') && commandText !== quoteArgv(argv)) {
    risks.add('other');
    lines.push(`The command text differs from what will run: ${quoteArgv(argv)}`);
  }
  const args = argv ?? [];
  let i = 0;
  // Look through carriers (env FOO=1 sudo bash -c …) to the command they run.
  while (i < args.length) {
    const name = base(args[i]!);
    if (CARRIERS.has(name)) {
      risks.add('command-carrier');
      kinds.add('command-carrier');
      lines.push(`Contains command-carrier: ${name}`);
      i++;
      while (i < args.length && (/^-/.test(args[i]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!) || /^\d+[smhd]?$/.test(args[i]!))) i++;
      continue;
    }
    if (SHELLS.has(name)) {
      const flag = args.slice(i + 1).find((a) => SHELL_FLAGS.test(a));
      risks.add('shell');
      kinds.add('shell-wrapper');
      lines.push(`Contains shell-wrapper: ${name}${flag ? ` ${flag}` : ''}`);
    }
    const interp = Object.entries(INTERPRETERS).find(([k]) => name === k || name.startsWith(`${k}.`) || (k.startsWith('python') && /^python\d/.test(name)));
    if (interp) {
      const flag = args.slice(i + 1).find((a) => interp[1].test(a));
      if (flag) {
        risks.add('inline-eval');
        kinds.add('inline-eval');
        lines.push(`Contains inline-eval: ${name} ${flag}`);
      }
    }
    if (name === 'find' && args.slice(i + 1).some((a) => /^-(exec|execdir|ok|okdir)$/.test(a))) {
      risks.add('command-carrier');
      kinds.add('command-carrier');
      lines.push('Contains command-carrier: find -exec');
    }
    break;
  }
  const operand = plan?.mutableFileOperand;
  if (operand && operand.argvIndex > 0) {
    risks.add('mutable-file-operand');
    lines.push(`Runs a file that may change before it runs: ${operand.path}`);
  }
  return {
    risks: [...risks],
    analysis: { commandCount: args.length ? 1 : 0, nestedCommandCount: 0, riskKinds: [...kinds], warningLines: [...new Set(lines)] },
  };
}
