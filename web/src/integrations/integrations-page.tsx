import { useCallback } from 'react';
import { api } from '../api';
import type { Integration, Page } from '../api-types';
import { navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Link } from '../ui/link';
import { usePolled } from '../ui/use-polled';
import { IntegrationCard } from './integration-card';
import { IntegrationCatalog } from './integration-catalog';
import { IntegrationForm } from './integration-form';

interface IntegrationsPageProps {
  readonly integrationId?: string;
  readonly mode?: 'new' | 'edit';
}

const replaceItem = (
  page: Page<Integration> | undefined,
  item: Integration,
): Page<Integration> | undefined =>
  page === undefined ? page : { ...page, items: page.items.map((i) => (i._id === item._id ? item : i)) };

/** The catalog, the add/edit form and every HipChat room with its live health; polls every 2 s. */
export function IntegrationsPage({ integrationId, mode }: IntegrationsPageProps) {
  const load = useCallback(() => api.hipchat.list(), []);
  const list = usePolled('hipchat', load, 2000);
  const items = list.data?.items;

  if (mode === 'new' || mode === 'edit') {
    const existing = items?.find((i) => i._id === integrationId);
    return (
      <div className="page">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={paths.integrations()}>Integrations</Link> <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">{mode === 'new' ? 'Add HipChat integration' : 'Edit'}</span>
        </nav>
        <h1>{mode === 'new' ? 'Add a HipChat integration' : `Edit ${existing?.name ?? 'integration'}`}</h1>
        <p className="lead">
          Switchboard posts a room notification for every change that passes the filter, in the order the
          changes were made.
        </p>
        {mode === 'edit' && existing === undefined ? (
          list.loading ? (
            <p className="muted">Loading…</p>
          ) : (
            <ErrorMessage error={list.error ?? new Error('This integration does not exist (any more).')} />
          )
        ) : (
          <IntegrationForm
            key={existing?._id ?? 'new'}
            {...(existing === undefined ? {} : { existing })}
            onSaved={(saved) => {
              list.update((page) =>
                page?.items.some((i) => i._id === saved._id)
                  ? replaceItem(page, saved)
                  : page === undefined
                    ? page
                    : { ...page, items: [...page.items, saved] },
              );
              navigate(paths.integration(saved._id));
            }}
            onCancel={() =>
              navigate(existing === undefined ? paths.integrations() : paths.integration(existing._id))
            }
          />
        )}
      </div>
    );
  }

  return (
    <div className="page">
      <h1>Integrations</h1>
      <p className="lead">
        Announce every change where your team talks. Each room gets the changes its filter lets through.
      </p>
      <IntegrationCatalog hipchatCount={items?.length} />
      <section aria-labelledby="hipchat-rooms" className="integration-list">
        <h2 id="hipchat-rooms">HipChat rooms</h2>
        <ErrorMessage error={list.error} title="Could not load the integrations." />
        {items === undefined ? (
          list.error === undefined ? (
            <p className="muted">Loading…</p>
          ) : null
        ) : items.length === 0 ? (
          <div className="empty-state">
            <p>No HipChat room is connected yet.</p>
            <Link className="button button-primary" to={paths.newIntegration()}>
              Add integration
            </Link>
          </div>
        ) : (
          items.map((integration) => (
            <IntegrationCard
              key={integration._id}
              integration={integration}
              focused={integration._id === integrationId}
              onChanged={(changed) => list.update((page) => replaceItem(page, changed))}
              onDeleted={(id) => {
                list.update((page) =>
                  page === undefined ? page : { ...page, items: page.items.filter((i) => i._id !== id) },
                );
                if (id === integrationId) navigate(paths.integrations(), { replace: true });
              }}
              onStale={() => void list.reload()}
            />
          ))
        )}
      </section>
    </div>
  );
}
