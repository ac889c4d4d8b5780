import { useCallback } from 'react';
import { api } from '../api';
import { ErrorMessage } from '../ui/error-message';
import { JsonDiff } from '../ui/json-diff';
import { MarkdownBlock, MarkdownInline } from '../ui/markdown';
import { formatDate } from '../ui/relative-time';
import { usePolled } from '../ui/use-polled';

/** One audit entry: who, when, why, the accesses a filter matches on, and before → after. */
export function AuditEntryDetail({ id, onClose }: { readonly id: string; readonly onClose: () => void }) {
  const load = useCallback(() => api.auditLog.get(id), [id]);
  const entry = usePolled(`audit:${id}`, load);
  const data = entry.data;
  return (
    <section className="card audit-detail" aria-labelledby="audit-detail-heading">
      <div className="detail-bar">
        <h2 id="audit-detail-heading">Change</h2>
        <button type="button" className="button button-quiet button-small" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorMessage error={entry.error} title="Could not load the entry." />
      {data === undefined ? (
        entry.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <>
          <p className="audit-title">
            <MarkdownInline text={data.title} />
          </p>
          <p className="muted small">
            {formatDate(data.date)}
            {data.token === undefined ? '' : ` · with the token “${data.token.name}” (…${data.token.ending})`}
          </p>
          {data.comment === undefined ? null : <blockquote className="comment">{data.comment}</blockquote>}
          <MarkdownBlock text={data.description} />
          <h3>Before → after</h3>
          {data.previousVersion === undefined && data.currentVersion === undefined ? (
            <p className="muted">This entry records no versions.</p>
          ) : (
            <JsonDiff before={data.previousVersion} after={data.currentVersion} />
          )}
          <h3>Accesses</h3>
          <ul className="accesses">
            {data.accesses.map((a) => (
              <li key={`${a.action} ${a.resource}`}>
                <code>{a.action}</code> on <code>{a.resource}</code>
              </li>
            ))}
          </ul>
          {data.delta === undefined ? null : (
            <details>
              <summary>JSON Patch as sent</summary>
              <pre className="raw">{JSON.stringify(data.delta, null, 2)}</pre>
            </details>
          )}
        </>
      )}
    </section>
  );
}
