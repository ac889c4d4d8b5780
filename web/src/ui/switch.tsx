interface SwitchProps {
  readonly checked: boolean;
  readonly onToggle: () => void;
  /** The accessible name, e.g. "Ops room notifications". */
  readonly label: string;
  readonly busy?: boolean;
  readonly disabled?: boolean;
  /** Ids of elements that describe the switch (e.g. an error next to it). */
  readonly describedBy?: string;
  /** How often the server refused; each refusal plays the shake once more (alternating classes). */
  readonly refusals?: number;
}

/** An on/off switch: a real `role="switch"` button that Space and Enter toggle. */
export function Switch({ checked, onToggle, label, busy, disabled, describedBy, refusals }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      aria-busy={busy === true ? true : undefined}
      aria-describedby={describedBy}
      disabled={disabled}
      className={refusals === undefined || refusals === 0 ? 'switch' : `switch refused-${refusals % 2}`}
      onClick={onToggle}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-text" aria-hidden="true">
        {checked ? 'On' : 'Off'}
      </span>
    </button>
  );
}
