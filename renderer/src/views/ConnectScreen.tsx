// Full-window states before the dashboard can show anything: connecting, unreachable, no or refused credential.
import { useNow } from '../format';
import { IconAlert, IconShield } from '../components/icons';

export function ConnectScreen({ kind, error, retryAtMs, retrying = false, onRetry }: {
  kind: 'connecting' | 'down' | 'no-credential' | 'unauthorized';
  error?: string;
  retryAtMs?: number;
  retrying?: boolean;
  onRetry?: () => void;
}) {
  const now = useNow(500);
  const secs = retryAtMs ? Math.max(0, Math.ceil((retryAtMs - now) / 1000)) : 0;
  return (
    <main className="connect-screen" id="main">
      <div className="connect-card card" data-testid={`connect-${kind}`}>
        <span className={`connect-mark ${kind === 'down' || kind === 'unauthorized' ? 'connect-mark-warn' : ''}`} aria-hidden="true">
          {kind === 'down' || kind === 'unauthorized' ? <IconAlert size={26} /> : <IconShield size={26} />}
        </span>
        {kind === 'connecting' && (
          <>
            <h1>Connecting to the gateway…</h1>
            <p className="muted" role="status">Loopgate is opening its connection.</p>
          </>
        )}
        {kind === 'down' && (
          <>
            <h1>Gateway unreachable — retrying</h1>
            {/* The alert stays still; the countdown ticks outside it (not a live region). */}
            <p className="muted" role="alert">The Loopgate gateway does not answer. Is it still running?</p>
            <p className="small muted" data-testid="retry-countdown">{retrying || secs === 0 ? 'Trying to connect…' : `Next try in ${secs} s.`}</p>
            {error && <p className="small mono connect-error">{error}</p>}
            {onRetry && <button type="button" className="btn btn-primary" onClick={onRetry}>Retry now</button>}
          </>
        )}
        {(kind === 'no-credential' || kind === 'unauthorized') && (
          <>
            <h1>{kind === 'unauthorized' ? 'This link no longer works' : 'Open your dashboard link'}</h1>
            {kind === 'unauthorized' ? (
              <>
                <p>Run <code>loopgate dashboard</code> for a fresh link.</p>
                <p className="muted small">A link works once, within 15 minutes. Its session ends about 2 minutes after its last tab closes, or when the gateway restarts.</p>
              </>
            ) : (
              <>
                <p>Open the dashboard link printed by <code>loopgate gateway</code>, or run <code>loopgate dashboard</code> for a fresh one.</p>
                <p className="muted small">A link works once, within 15 minutes, and is taken out of the address bar. Its session ends about 2 minutes after its last tab closes.</p>
              </>
            )}
            {error && kind === 'unauthorized' && <p className="small mono connect-error">{error}</p>}
          </>
        )}
      </div>
    </main>
  );
}
