import { useState } from 'react';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';

/** How long the old key keeps working after a rotation: none, or a grace period. */
export const gracePeriods: readonly { readonly label: string; readonly ms: number }[] = [
  { label: 'Stops at once', ms: 0 },
  { label: 'Works 1 more hour', ms: 3_600_000 },
  { label: 'Works 24 more hours', ms: 86_400_000 },
  { label: 'Works 7 more days', ms: 7 * 86_400_000 },
];

interface RotateKeyDialogProps {
  readonly open: boolean;
  /** "SDK key" or "mobile key". */
  readonly what: string;
  readonly envName: string;
  readonly busy: boolean;
  readonly error: unknown;
  /** `graceMs` 0: the old key stops at once. */
  readonly onConfirm: (graceMs: number) => void;
  readonly onCancel: () => void;
}

/** Confirms a rotation and asks how long the old key may still be used. */
export function RotateKeyDialog({
  open,
  what,
  envName,
  busy,
  error,
  onConfirm,
  onCancel,
}: RotateKeyDialogProps) {
  const [grace, setGrace] = useState(0);
  return (
    <ConfirmDialog
      open={open}
      title={`Rotate the ${what} of ${envName}?`}
      confirmLabel={busy ? 'Rotating…' : `Rotate ${what}`}
      busy={busy}
      onConfirm={() => onConfirm(grace)}
      onCancel={onCancel}
    >
      <p>
        Switchboard makes a new {what}. Applications still using the old one are refused once it stops
        working: give them time to switch if they cannot all restart now.
      </p>
      <Field label="The old key" hint="A grace period lets running services move to the new key first.">
        {(control) => (
          <select
            {...control}
            className="input"
            value={grace}
            onChange={(e) => setGrace(Number(e.target.value))}
          >
            {gracePeriods.map((g) => (
              <option key={g.ms} value={g.ms}>
                {g.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorMessage error={error} title="Could not rotate the key." />
    </ConfirmDialog>
  );
}
