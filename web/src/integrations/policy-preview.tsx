import { useState } from 'react';
import { api } from '../api';
import type { PolicyStatement, PolicyPreview as PreviewResult } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { MarkdownInline } from '../ui/markdown';
import { RelativeTime } from '../ui/relative-time';

interface PolicyPreviewProps {
  /** The statements to try, or undefined while the editor holds an invalid policy. */
  readonly statements: readonly PolicyStatement[] | undefined;
}

/** "Which of the recent changes would this filter have sent?", answered by the server. */
export function PolicyPreview({ statements }: PolicyPreviewProps) {
  const [result, setResult] = useState<{ for: string; preview: PreviewResult } | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const current = statements === undefined ? undefined : JSON.stringify(statements);

  const run = async () => {
    if (statements === undefined || current === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      setResult({ for: current, preview: await api.preview(statements) });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const preview = result?.preview;
  return (
    <section className="policy-preview" aria-label="Policy preview">
      <div className="row">
        <button type="button" className="button" onClick={run} disabled={statements === undefined || busy}>
          {busy ? 'Previewing…' : 'Preview'}
        </button>
        <span className="hint">
          {statements === undefined
            ? 'Fix the policy to preview it.'
            : 'Lists the recent changes this filter would have sent.'}
        </span>
      </div>
      <ErrorMessage error={error} title="Preview failed." />
      {preview === undefined ? null : (
        <div
          className={result?.for === current ? 'preview-result' : 'preview-result stale'}
          aria-live="polite"
        >
          <p className="preview-summary">
            {preview.totalCount === 0
              ? `None of the last ${preview.scanned} changes match.`
              : `${preview.totalCount} of the last ${preview.scanned} changes match.`}
            {result?.for === current ? null : <em> The policy changed since; preview again.</em>}
          </p>
          {preview.items.length === 0 ? null : (
            <ul className="preview-list">
              {preview.items.slice(0, 8).map((entry) => (
                <li key={entry._id}>
                  <span className="preview-title">
                    <MarkdownInline text={entry.title} />
                  </span>
                  <span className="muted">
                    <RelativeTime at={entry.date} />
                  </span>
                </li>
              ))}
            </ul>
          )}
          {preview.items.length > 8 ? <p className="muted">…and {preview.items.length - 8} more.</p> : null}
        </div>
      )}
    </section>
  );
}
