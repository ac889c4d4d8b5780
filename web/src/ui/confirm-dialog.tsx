import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

interface ConfirmDialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly children: ReactNode;
  readonly confirmLabel: string;
  readonly busy?: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** A modal confirmation on the native `<dialog>`: it traps focus and Escape cancels. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busy,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    // showModal() focuses the first control, Cancel: the safe choice for a destructive action.
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <div className="actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

interface DeleteByKeyDialogProps {
  readonly open: boolean;
  readonly title: string;
  /** "environment", "flag": in "Type the … key to confirm". */
  readonly noun: string;
  /** What must be typed before *Delete for good* is enabled. */
  readonly confirmKey: string;
  readonly busy?: boolean;
  /** What is lost. */
  readonly children: ReactNode;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** A deletion that cannot be undone: enabled only once the resource's key is typed. */
export function DeleteByKeyDialog({
  open,
  noun,
  confirmKey,
  busy,
  children,
  ...rest
}: DeleteByKeyDialogProps) {
  const id = useId();
  const [typed, setTyped] = useState('');
  // Each opening starts empty: a key typed for an earlier attempt does not confirm this one.
  useEffect(() => {
    if (open) setTyped('');
  }, [open]);
  return (
    <ConfirmDialog
      open={open}
      confirmLabel="Delete for good"
      busy={busy === true || typed !== confirmKey}
      {...rest}
    >
      {children}
      <label className="field" htmlFor={id}>
        Type the {noun} key to confirm
      </label>
      <input
        id={id}
        className="input"
        value={typed}
        autoComplete="off"
        onChange={(e) => setTyped(e.target.value)}
      />
    </ConfirmDialog>
  );
}
