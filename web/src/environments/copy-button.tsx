import { useState } from 'react';

/**
 * Copies `text` and says so. Without a clipboard (a plain-http address other than localhost)
 * it says how to copy by hand instead; `onFallback` may select the text for that.
 */
export function CopyButton({
  text,
  label,
  onFallback,
}: {
  readonly text: string;
  /** The accessible name, e.g. "Copy the SDK key of Production". */
  readonly label: string;
  readonly onFallback?: () => void;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <>
      <button
        type="button"
        className="button button-small"
        aria-label={label}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setState('copied');
          } catch {
            onFallback?.();
            setState('failed');
          }
        }}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {state === 'copied' ? 'Copied to the clipboard.' : ''}
        {state === 'failed' ? 'Could not reach the clipboard: press Ctrl+C or ⌘C.' : ''}
      </span>
    </>
  );
}
