import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { validateSpecifier } from '../../../src/policy/validate-policy';
import { api } from '../api';
import type { AuditEntry } from '../api-types';
import { navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { Link } from '../ui/link';
import { MarkdownInline } from '../ui/markdown';
import { RelativeTime } from '../ui/relative-time';
import { AuditEntryDetail } from './audit-entry-detail';

const specShortcuts: readonly { label: string; spec: string }[] = [
  { label: 'Production flags', spec: 'proj/*:env/production:flag/*' },
  { label: 'Integrations', spec: 'integration/*' },
  { label: 'Members', spec: 'member/*' },
];

interface AuditPageProps {
  readonly entryId?: string;
  readonly q: string;
  readonly spec: string;
}

interface Loaded {
  readonly key: string;
  readonly items: readonly AuditEntry[];
  readonly next: string | undefined;
}

/** The audit log, newest first: search, resource filter, load more, and an entry's before → after. */
export function AuditPage({ entryId, q, spec }: AuditPageProps) {
  const [query, setQuery] = useState(q);
  const [specText, setSpecText] = useState(spec);
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const key = `${q}\n${spec}`;
  const specCheck = specText.trim() === '' ? { ok: true as const } : validateSpecifier(specText.trim());

  useEffect(() => {
    setQuery(q);
    setSpecText(spec);
  }, [q, spec]);

  const loadFirst = useCallback(async () => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.auditLog.list({ q, spec, limit: 20 });
      setLoaded({ key: `${q}\n${spec}`, items: page.items, next: page._links?.next?.href });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }, [q, spec]);

  useEffect(() => {
    void loadFirst();
  }, [loadFirst]);

  const loadMore = async () => {
    if (loaded?.next === undefined) return;
    setBusy(true);
    try {
      const page = await api.auditLog.next(loaded.next);
      setLoaded({ key: loaded.key, items: [...loaded.items, ...page.items], next: page._links?.next?.href });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (!specCheck.ok) return;
    navigate(paths.audit({ q: query.trim(), spec: specText.trim() }));
  };

  const items = loaded?.key === key ? loaded.items : undefined;
  return (
    <div className="page">
      <h1>Audit log</h1>
      <p className="lead">Every change, newest first, with who made it and why.</p>
      <search aria-label="Filter the audit log">
        <form className="toolbar audit-filters" onSubmit={apply}>
          <Field label="Search" className="grow">
            {(control) => (
              <input
                {...control}
                className="input"
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="Names, emails and comments"
              />
            )}
          </Field>
          <Field
            label="Resource"
            className="grow"
            hint={undefined}
            error={specCheck.ok ? undefined : specCheck.message}
          >
            {(control) => (
              <input
                {...control}
                className="input mono"
                value={specText}
                onChange={(e) => setSpecText(e.target.value)}
                placeholder="proj/*:env/production:flag/*"
                list="spec-shortcuts"
              />
            )}
          </Field>
          <datalist id="spec-shortcuts">
            {specShortcuts.map((s) => (
              <option key={s.spec} value={s.spec}>
                {s.label}
              </option>
            ))}
          </datalist>
          <div className="actions align-end">
            <button type="submit" className="button button-primary" disabled={!specCheck.ok}>
              Apply
            </button>
            {q === '' && spec === '' ? null : (
              <Link className="button" to={paths.audit()}>
                Clear
              </Link>
            )}
            <button
              type="button"
              className="button button-quiet"
              onClick={() => void loadFirst()}
              disabled={busy}
            >
              Refresh
            </button>
          </div>
        </form>
      </search>
      <nav className="snippets" aria-label="Resource shortcuts">
        {specShortcuts.map((s) => (
          <Link
            key={s.spec}
            className={`chip${spec === s.spec ? ' chip-active' : ''}`}
            to={paths.audit({ q, spec: s.spec })}
          >
            {s.label}
          </Link>
        ))}
      </nav>
      <ErrorMessage error={error} title="Could not load the audit log." />
      <div className={entryId === undefined ? 'audit-layout' : 'audit-layout with-detail'}>
        {entryId === undefined ? null : (
          <AuditEntryDetail id={entryId} onClose={() => navigate(paths.audit({ q, spec }))} />
        )}
        <div>
          {items === undefined ? (
            error === undefined ? (
              <p className="muted">Loading…</p>
            ) : null
          ) : items.length === 0 ? (
            <p className="empty-state">No change matches.</p>
          ) : (
            <ol className="audit-list" aria-label="Changes, newest first">
              {items.map((entry) => (
                <li key={entry._id} className={entry._id === entryId ? 'audit-item selected' : 'audit-item'}>
                  <div className="audit-when">
                    <RelativeTime at={entry.date} />
                  </div>
                  <div className="audit-what">
                    <p className="audit-title">
                      <MarkdownInline text={entry.title} />
                    </p>
                    {entry.comment === undefined ? null : <p className="comment-inline">“{entry.comment}”</p>}
                    <p className="muted small">
                      <MarkdownInline text={entry.shortDescription} />
                    </p>
                  </div>
                  <Link
                    className="button button-small"
                    to={paths.auditEntry(entry._id, { q, spec })}
                    aria-label={`Details of: ${entry.name}, ${entry.titleVerb}`}
                  >
                    Details
                  </Link>
                </li>
              ))}
            </ol>
          )}
          {loaded?.next === undefined || items === undefined ? null : (
            <button type="button" className="button load-more" onClick={loadMore} disabled={busy}>
              {busy ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
