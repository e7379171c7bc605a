// The user's own name for a device (device.pair.rename, OpenClaw's operatorLabel), edited in place in Device
// detail. It is kept apart from the name the device reports, which stays visible and marked as reported.
import { useEffect, useId, useRef, useState } from 'react';
import type { PairedDeviceView } from '../../../shared/pairing-types';
import type { DashboardStore } from '../store';
import { shown } from '../format';
import { errorText, useNotify } from '../components/ui';

const MAX_LABEL = 64;

export function RenameDevice({ device, store }: { device: PairedDeviceView; store: DashboardStore }) {
  const notify = useNotify();
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const [saving, setSaving] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const editRef = useRef<HTMLButtonElement>(null);
  const current = shown(device.operatorLabel);
  useEffect(() => { if (editing) inputRef.current?.focus(); }, [editing]);

  const trimmed = value.trim();
  const valid = trimmed.length > 0 && trimmed.length <= MAX_LABEL;
  const close = () => {
    setEditing(false);
    queueMicrotask(() => editRef.current?.focus());
  };
  const save = async () => {
    if (!valid || saving) return;
    setSaving(true);
    try {
      const res = await store.client.request<{ label: string }>('device.pair.rename', { deviceId: device.deviceId, label: trimmed });
      store.upsertDevice({ ...device, operatorLabel: res.label });
      store.scheduleList(50);
      notify(`Renamed to ${res.label}.`, 'success');
      close();
    } catch (err) {
      notify(`Could not rename the device: ${errorText(err)}`, 'danger');
    } finally {
      setSaving(false);
    }
  };

  if (!editing) {
    return (
      <span className="rename-view">
        <span data-testid="detail-label">{current || <span className="muted">none</span>}</span>{' '}
        <button type="button" ref={editRef} className="btn btn-ghost btn-small" onClick={() => { setValue(current); setEditing(true); }}>
          Rename
        </button>
      </span>
    );
  }
  return (
    <form className="inline-form rename-form" onSubmit={(e) => { e.preventDefault(); void save(); }} onKeyDown={(e) => { if (e.key === 'Escape') close(); }}>
      <label htmlFor={id} className="visually-hidden">Your name for this device</label>
      <input
        id={id} ref={inputRef} type="text" className="input" value={value} maxLength={MAX_LABEL} aria-invalid={!valid}
        aria-describedby={`${id}-help`} onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit" className="btn btn-secondary btn-small" disabled={!valid || saving}>{saving ? 'Saving…' : 'Save name'}</button>
      <button type="button" className="btn btn-ghost btn-small" onClick={close}>Cancel</button>
      <p id={`${id}-help`} className="field-help">{valid ? 'Shown instead of the reported name; the reported name stays listed.' : `Enter 1–${MAX_LABEL} characters.`}</p>
    </form>
  );
}
