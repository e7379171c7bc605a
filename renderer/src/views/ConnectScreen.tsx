// Full-window states before the dashboard can show anything: connecting, unreachable, no or refused credential.
import { useNow } from '../format';
import { IconAlert, IconShield } from '../components/icons';

export function ConnectScreen({ kind, error, retryAtMs, onRetry }: {
  kind: 'connecting' | 'down' | 'no-credential' | 'unauthorized';
  error?: string;
  retryAtMs?: number;
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
            <p className="muted" role="alert">The Loopgate gateway does not answer{secs > 0 ? `; next try in ${secs} s` : ''}. Is it still running?</p>
            {error && <p className="small mono connect-error">{error}</p>}
            {onRetry && <button type="button" className="btn btn-primary" onClick={onRetry}>Retry now</button>}
          </>
        )}
        {(kind === 'no-credential' || kind === 'unauthorized') && (
          <>
            <h1>{kind === 'unauthorized' ? 'This link no longer works' : 'Open your dashboard link'}</h1>
            <p>
              Open the dashboard link printed by <code>loopgate gateway</code> (or run <code>loopgate dashboard</code>).
            </p>
            <p className="muted small">
              {kind === 'unauthorized'
                ? 'Each link works once, and its session ends when you close this tab or the gateway restarts. Ask for a new link.'
                : 'The link carries a one-time key for this browser tab. Loopgate removes it from the address bar and forgets it when the tab closes.'}
            </p>
            {error && kind === 'unauthorized' && <p className="small mono connect-error">{error}</p>}
          </>
        )}
      </div>
    </main>
  );
}
