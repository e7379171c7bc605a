// Who is asking, as the operating system reported it (never what the client says): the program, its PID,
// path, parent chain and OS user, with warnings that deserve a second look.
import type { PeerAttribution, ProgramRef } from '../../../shared/attribution';
import { programName, warningText } from '../../../shared/attribution';
import { dateTime, shown } from '../format';
import { IconAlert } from './icons';

/** One line: "node (claude) · PID 4242". */
export function programLine(a: PeerAttribution | undefined): string {
  if (!a) return 'not traced';
  if (a.status === 'exited') return 'exited before it could be identified';
  if (a.status !== 'found' || !a.process) return 'unknown';
  return `${shown(programName(a.process))} · PID ${a.process.pid}`;
}

/** The program behind a request, in full (Requests). */
export function ProgramFacts({ attribution, approvedFrom, programChanged }: { attribution: PeerAttribution | undefined; approvedFrom?: ProgramRef; programChanged?: boolean }) {
  if (!attribution) return <span className="muted">not traced (not a loopback connection)</span>;
  const p = attribution.process;
  if (attribution.status !== 'found' || !p) {
    return (
      <span data-testid="program-unknown">
        {attribution.status === 'exited' ? 'exited before it could be identified' : 'unknown'}
        {attribution.why && <span className="muted small"> — {shown(attribution.why)}</span>}
        {attribution.sameUser === false && <div className="small request-warning"><IconAlert size={12} /> The connection belongs to another OS user.</div>}
      </span>
    );
  }
  const chain = p.parents.map((x) => shown(x.name)).filter(Boolean);
  return (
    <span className="program-facts" data-testid="program-facts">
      <strong data-testid="program-name">{programLine(attribution)}</strong>
      {p.known && <span className="muted small"> (Loopgate itself)</span>}
      {p.exe && <div className="mono small break" data-testid="program-path">{shown(p.exe)}</div>}
      {p.cmdline && <div className="mono small break muted" title="Command line (secrets masked)">{shown(p.cmdline)}</div>}
      {chain.length > 0 && <div className="small" data-testid="program-parents">started by {chain.join(' ← ')}</div>}
      <div className="small muted">
        {p.user ? <>user <span data-testid="program-user">{shown(p.user)}</span></> : 'user unknown'}
        {p.startedAtMs ? <> · started {dateTime(p.startedAtMs)}</> : null}
        {p.title && <> · calls itself “{shown(p.title)}”</>}
      </div>
      {attribution.sameUser === false && <div className="small request-warning" data-testid="program-other-user"><IconAlert size={12} /> Another OS user runs this program: it is not treated as local, whatever credential it holds.</div>}
      {p.warning && <div className="small request-warning" data-testid="program-warning"><IconAlert size={12} /> Look twice: {warningText(p.warning)}.</div>}
      {programChanged && approvedFrom && (
        <div className="small request-warning" data-testid="program-changed"><IconAlert size={12} /> Another program than the one this device was approved from ({shown(programName(approvedFrom))}{approvedFrom.exe ? <>, <span className="mono">{shown(approvedFrom.exe)}</span></> : null}).</div>
      )}
    </span>
  );
}

/** A remembered program (Device detail: approved from, last connected from). */
export function ProgramRefText({ program, testId }: { program: ProgramRef | undefined; testId: string }) {
  if (!program) return <span className="muted" data-testid={testId}>not recorded</span>;
  return (
    <span data-testid={testId}>
      {shown(programName(program))}{program.pid ? ` · PID ${program.pid}` : ''}
      {program.exe && <div className="mono small break">{shown(program.exe)}</div>}
      <div className="small muted">{program.user ? `user ${shown(program.user)} · ` : ''}{dateTime(program.atMs)}</div>
    </span>
  );
}
