// Small building blocks shared by the views.
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { IconCheck, IconClose, IconCopy } from './icons';
import { shown } from '../format';

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger' | 'accent';

export function Badge({ tone = 'neutral', children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return <span className={`badge badge-${tone}`} title={title}>{children}</span>;
}

/** One scope (or role) chip; "added" is what a request asks beyond what the device holds. */
export function Chip({ children, variant = 'plain', title }: { children: ReactNode; variant?: 'plain' | 'added' | 'held' | 'muted' | 'revoked'; title?: string }) {
  return <span className={`chip chip-${variant}`} title={title}>{children}</span>;
}

export function ScopeChips({ scopes, empty = 'none' }: { scopes: readonly string[]; empty?: string }) {
  if (scopes.length === 0) return <span className="muted">{empty}</span>;
  return (
    <span className="chips">
      {scopes.map((s) => <Chip key={s}>{s.replace(/^operator\./, '')}</Chip>)}
    </span>
  );
}

/** The mark next to anything a device said about itself (name, platform, client): not verified. */
export function ReportedTag() {
  return <span className="reported-tag" title="Reported by the device itself; not verified">reported</span>;
}

/** A name the device reported about itself: shown (cleaned of control and bidi characters), marked as unverified. */
export function ReportedName({ text, reported, as = 'span' }: { text: string; reported: boolean; as?: 'span' | 'strong' }) {
  const Tag = as;
  return (
    <span className="reported-name">
      <Tag className="name-text">{reported ? shown(text) : text}</Tag>
      {reported && <ReportedTag />}
    </span>
  );
}

/** Device-reported text (platform, client id and mode), cleaned and marked; `empty` when there is none. */
export function ReportedText({ text, empty = '—' }: { text: string; empty?: string }) {
  const clean = shown(text);
  if (!clean) return <span className="muted">{empty}</span>;
  return <>{clean} <ReportedTag /></>;
}

export function ConnectedState({ connected }: { connected: boolean }) {
  return (
    <span className={`presence ${connected ? 'presence-on' : 'presence-off'}`}>
      <span className="dot" aria-hidden="true" />
      {connected ? 'Connected' : 'Offline'}
    </span>
  );
}

/**
 * A destructive action that asks once, inside the page: the first press shows the question with the
 * confirming button and Cancel (which takes focus, so Enter never confirms by accident).
 */
export function ConfirmAction({
  label, question, confirmLabel, onConfirm, disabled, ariaLabel, size = 'md', variant = 'danger',
}: {
  label: ReactNode;
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown> | void;
  disabled?: boolean;
  ariaLabel?: string;
  size?: 'sm' | 'md';
  /** How the first button looks; the confirming button is always the danger one. */
  variant?: 'danger' | 'secondary' | 'primary';
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const confirmed = useRef(false);
  const qid = useId();
  useEffect(() => {
    if (asking) { cancelRef.current?.focus(); return; }
    // After confirming, the question's buttons are gone: unless onConfirm put the focus somewhere on purpose,
    // it goes back to the first button instead of falling to the page.
    if (confirmed.current) {
      confirmed.current = false;
      const active = document.activeElement;
      if (!active || active === document.body) triggerRef.current?.focus();
    }
  }, [asking]);
  const cancel = () => {
    setAsking(false);
    queueMicrotask(() => triggerRef.current?.focus());
  };
  if (!asking) {
    return (
      <button ref={triggerRef} type="button" className={`btn ${variant === 'danger' ? 'btn-danger-outline' : variant === 'primary' ? 'btn-primary' : 'btn-secondary'} btn-${size}`} disabled={disabled} aria-label={ariaLabel} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-labelledby={qid} onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); cancel(); } }}>
      <span id={qid} className="confirm-question">{question}</span>
      <button
        type="button"
        className={`btn btn-danger btn-${size}`}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try { await onConfirm(); } finally { confirmed.current = true; setBusy(false); setAsking(false); }
        }}
      >
        {busy ? 'Working…' : confirmLabel}
      </button>
      <button ref={cancelRef} type="button" className={`btn btn-ghost btn-${size}`} onClick={cancel}>Cancel</button>
    </span>
  );
}

export function CopyButton({ getText, label = 'Copy', ariaLabel, size = 'md' }: { getText: () => Promise<string> | string; label?: string; ariaLabel?: string; size?: 'sm' | 'md' }) {
  const [done, setDone] = useState<'ok' | 'fail' | null>(null);
  const notify = useNotify();
  useEffect(() => {
    if (!done) return;
    const t = setTimeout(() => setDone(null), 1800);
    return () => clearTimeout(t);
  }, [done]);
  return (
    <button
      type="button"
      className={`btn btn-secondary btn-${size}`}
      aria-label={ariaLabel}
      onClick={async () => {
        try {
          const text = await getText();
          await navigator.clipboard.writeText(text);
          setDone('ok');
          notify('Copied to the clipboard.', 'success');
        } catch (err) {
          setDone('fail');
          notify(`Could not copy: ${(err as Error).message}`, 'danger');
        }
      }}
    >
      {done === 'ok' ? <IconCheck /> : <IconCopy />}
      <span>{done === 'ok' ? 'Copied' : label}</span>
    </button>
  );
}

/**
 * A labelled on/off switch (a checkbox with role="switch"). It flips at once while `onChange` (usually a
 * gateway call) runs, and falls back to `checked` when that settles, so a refused change shows as refused.
 */
export function Switch({ checked, onChange, label, description, disabled, id }: { checked: boolean; onChange: (v: boolean) => unknown; label: string; description?: ReactNode; disabled?: boolean; id?: string }) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const descId = `${inputId}-desc`;
  const [pending, setPending] = useState<boolean | null>(null);
  return (
    <div className="switch-row">
      <div className="switch-text">
        <label htmlFor={inputId} className="switch-label">{label}</label>
        {description && <div id={descId} className="field-help">{description}</div>}
      </div>
      <input
        id={inputId}
        type="checkbox"
        role="switch"
        className="switch"
        checked={pending ?? checked}
        disabled={disabled}
        aria-describedby={description ? descId : undefined}
        onChange={(e) => {
          const v = e.target.checked;
          setPending(v);
          void Promise.resolve(onChange(v)).finally(() => setPending(null));
        }}
      />
    </div>
  );
}

// ---- notices (polite live region + toasts) ----

export interface Notice {
  id: number;
  text: string;
  tone: Tone;
}

type Notify = (text: string, tone?: Tone) => void;

const NotifyContext = createContext<Notify>(() => {});

export function useNotify(): Notify {
  return useContext(NotifyContext);
}

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const counter = useRef(0);
  const dismiss = useCallback((id: number) => setNotices((n) => n.filter((x) => x.id !== id)), []);
  const notify = useCallback<Notify>((text, tone = 'info') => {
    counter.current += 1;
    const id = counter.current;
    setNotices((n) => [...n.slice(-3), { id, text, tone }]);
    setTimeout(() => dismiss(id), tone === 'danger' || tone === 'warning' ? 9000 : 4500);
  }, [dismiss]);
  return (
    <NotifyContext.Provider value={notify}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} className={`toast toast-${n.tone}`}>
            <span>{n.text}</span>
            <button type="button" className="icon-btn" aria-label="Dismiss message" onClick={() => dismiss(n.id)}><IconClose size={14} /></button>
          </div>
        ))}
      </div>
    </NotifyContext.Provider>
  );
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    const e = err as { code?: string; message: string };
    return e.code && e.code !== 'INVALID_REQUEST' ? `${e.message} (${e.code})` : e.message;
  }
  return String(err);
}
