import { useId, useRef, useState } from 'react';

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (e.g. a plain-http address): select it, so a keyboard copy works.
    input?.select();
    return false;
  }
}

/** A secret the server shows once (a webhook's signing secret): copy it now, it will not come back. */
export function OneTimeSecret({
  secret,
  onDone,
  label = 'Signing secret',
  advice = 'Copy it now and store it with the receiver: you will not see it again.',
}: {
  readonly secret: string;
  readonly onDone: () => void;
  /** What the secret is, e.g. "Access token". */
  readonly label?: string;
  readonly advice?: string;
}) {
  const id = useId();
  const [copied, setCopied] = useState<boolean>();
  const input = useRef<HTMLInputElement>(null);
  return (
    <section className="alert alert-info one-time-secret" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`}>
        <strong>{label}.</strong> {advice}
      </p>
      <div className="row">
        <input
          ref={input}
          className="input"
          readOnly
          value={secret}
          aria-label={label}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          className="button"
          onClick={async () => setCopied(await copyText(secret, input.current))}
        >
          {copied === true ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button button-quiet" onClick={onDone}>
          I have stored it
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied === false ? 'Could not reach the clipboard: the secret is selected, press Ctrl+C or ⌘C.' : ''}
      </p>
    </section>
  );
}
