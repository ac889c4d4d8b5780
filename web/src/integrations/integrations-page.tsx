import { type ReactNode, useCallback, useState } from 'react';
import { api, type ChannelOps } from '../api';
import type { Connection, Integration, Page, SlackConfig, TeamsConfig, Webhook } from '../api-types';
import { type IntegrationKindKey, navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Link } from '../ui/link';
import { type Polled, usePolled } from '../ui/use-polled';
import { SlackForm, TeamsForm, WebhookForm } from './channel-forms';
import { IntegrationCard } from './integration-card';
import { IntegrationCatalog } from './integration-catalog';
import { IntegrationForm } from './integration-form';
import { type KindInfo, kinds } from './kinds';
import { OneTimeSecret } from './one-time-secret';

interface IntegrationsPageProps {
  /** Absent for HipChat. */
  readonly kind?: IntegrationKindKey;
  readonly integrationId?: string;
  readonly mode?: 'new' | 'edit';
}

const replaceItem = <T extends Connection>(page: Page<T> | undefined, item: T): Page<T> | undefined =>
  page === undefined ? page : { ...page, items: page.items.map((i) => (i._id === item._id ? item : i)) };

const upsert = <T extends Connection>(page: Page<T> | undefined, item: T): Page<T> | undefined =>
  page === undefined
    ? page
    : page.items.some((i) => i._id === item._id)
      ? replaceItem(page, item)
      : { ...page, items: [...page.items, item] };

/** A webhook as the list keeps it: the one-time secret is never stored beside it. */
const withoutSecret = ({ secret: _secret, ...webhook }: Webhook): Webhook => webhook;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const templated = (config: { readonly template?: string }) =>
  config.template === undefined || config.template === '' ? '' : ' · custom message template';

const details = {
  hipchat: (i: Integration): ReactNode => (
    <>
      Room <strong>{i.config.room}</strong>
      {i.config.server === undefined ? '' : ` on ${hostOf(i.config.server)}`}
      {i.config.notify ? ' · notifies members' : ''}
    </>
  ),
  slack: (i: Integration<SlackConfig>): ReactNode =>
    i.config.webhookUrl !== undefined ? (
      <>Incoming webhook{templated(i.config)}</>
    ) : (
      <>
        Bot in <strong>{i.config.channel}</strong>
        {templated(i.config)}
      </>
    ),
  msteams: (i: Integration<TeamsConfig>): ReactNode => <>Teams workflow{templated(i.config)}</>,
  // The URL is a secret (the API shows it masked), like the Slack and Teams ones.
  webhooks: (w: Webhook): ReactNode => <>JSON POST · {w.sign ? 'signed' : 'not signed'}</>,
};

const deleteNotes = {
  hipchat: (i: Integration): ReactNode => (
    <>
      Room <strong>{i.config.room}</strong> stops receiving notifications
    </>
  ),
  slack: (): ReactNode => 'Its Slack channel stops receiving messages',
  msteams: (): ReactNode => 'Its Teams channel stops receiving messages',
  webhooks: (): ReactNode => 'Its URL stops receiving changes',
};

const formTitles: Readonly<Record<IntegrationKindKey, string>> = {
  hipchat: 'Add a HipChat integration',
  slack: 'Add a Slack integration',
  msteams: 'Add a Microsoft Teams integration',
  webhooks: 'Add a webhook',
};

const leads: Readonly<Record<IntegrationKindKey, string>> = {
  hipchat:
    'Switchboard posts a room notification for every change that passes the filter, in the order the changes were made.',
  slack:
    'Switchboard posts a message for every change that passes the filter, in order, at Slack’s pace (about one a second per channel).',
  msteams:
    'Switchboard posts an Adaptive Card for every change that passes the filter, in the order the changes were made.',
  webhooks:
    'Switchboard POSTs every change that passes the filter as JSON, in order, retrying until your endpoint answers 2xx.',
};

function useList<T>(key: IntegrationKindKey, load: () => Promise<Page<T>>): Polled<Page<T>> {
  return usePolled(key, load, 2000);
}

/** One kind's cards (HipChat's list is always shown; the others once they have an integration). */
function KindSection<T extends Connection>({
  kind,
  list,
  ops,
  detail,
  deleteNote,
  focusedId,
  alwaysShown,
  extra,
}: {
  readonly kind: KindInfo;
  readonly list: Polled<Page<T>>;
  readonly ops: ChannelOps<T>;
  readonly detail: (item: T) => ReactNode;
  readonly deleteNote: (item: T) => ReactNode;
  readonly focusedId: string | undefined;
  readonly alwaysShown: boolean;
  readonly extra?: (item: T) => ReactNode;
}) {
  const items = list.data?.items;
  if (!alwaysShown && (items === undefined || items.length === 0) && list.error === undefined) return null;
  const headingId = `${kind.key}-list`;
  return (
    <section aria-labelledby={headingId} className="integration-list">
      <h2 id={headingId}>{kind.listTitle}</h2>
      <ErrorMessage error={list.error} title="Could not load the integrations." />
      {items === undefined ? (
        list.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : items.length === 0 ? (
        <div className="empty-state">
          <p>
            {kind.key === 'hipchat'
              ? 'No HipChat room is connected yet.'
              : `No ${kind.label} integration yet.`}
          </p>
          <Link className="button button-primary" to={paths.newIntegration(kind.key)}>
            {kind.addLabel}
          </Link>
        </div>
      ) : (
        items.map((item) => (
          <IntegrationCard
            key={item._id}
            kind={kind}
            ops={ops}
            integration={item}
            detail={detail(item)}
            deleteNote={deleteNote(item)}
            focused={item._id === focusedId}
            onChanged={(changed) => list.update((page) => replaceItem(page, changed))}
            onDeleted={(id) => {
              list.update((page) =>
                page === undefined ? page : { ...page, items: page.items.filter((i) => i._id !== id) },
              );
              if (id === focusedId) navigate(paths.integrations(), { replace: true });
            }}
            onStale={() => void list.reload()}
          >
            {extra?.(item)}
          </IntegrationCard>
        ))
      )}
    </section>
  );
}

/** The catalog, the add/edit forms and every integration and webhook with its live health; polls every 2 s. */
export function IntegrationsPage({ kind = 'hipchat', integrationId, mode }: IntegrationsPageProps) {
  const hipchat = useList(
    'hipchat',
    useCallback(() => api.hipchat.list(), []),
  );
  const slack = useList(
    'slack',
    useCallback(() => api.slack.list(), []),
  );
  const msteams = useList(
    'msteams',
    useCallback(() => api.msteams.list(), []),
  );
  const webhooks = useList(
    'webhooks',
    useCallback(() => api.webhooks.list(), []),
  );
  // A webhook's signing secret comes back once, in the answer that created (or generated) it.
  const [revealed, setRevealed] = useState<{ readonly id: string; readonly secret: string }>();

  if (mode === 'new' || mode === 'edit') {
    const lists: Readonly<
      Record<IntegrationKindKey, Pick<Polled<Page<Connection>>, 'data' | 'error' | 'loading'>>
    > = {
      hipchat,
      slack,
      msteams,
      webhooks,
    };
    const list = lists[kind];
    const find = <T extends Connection>(polled: Pick<Polled<Page<T>>, 'data'>): T | undefined =>
      polled.data?.items.find((i) => i._id === integrationId);
    const existing = find(list);
    const saved =
      <T extends Connection>(polled: Polled<Page<T>>) =>
      (item: T) => {
        polled.update((page) => upsert(page, item));
        navigate(paths.integration(item._id, kind));
      };
    const cancel = () =>
      navigate(existing === undefined ? paths.integrations() : paths.integration(existing._id, kind));
    const key = existing?._id ?? 'new';
    const form = (() => {
      switch (kind) {
        case 'hipchat': {
          const e = find(hipchat);
          return (
            <IntegrationForm
              key={key}
              {...(e === undefined ? {} : { existing: e })}
              onSaved={saved(hipchat)}
              onCancel={cancel}
            />
          );
        }
        case 'slack': {
          const e = find(slack);
          return (
            <SlackForm
              key={key}
              {...(e === undefined ? {} : { existing: e })}
              onSaved={saved(slack)}
              onCancel={cancel}
            />
          );
        }
        case 'msteams': {
          const e = find(msteams);
          return (
            <TeamsForm
              key={key}
              {...(e === undefined ? {} : { existing: e })}
              onSaved={saved(msteams)}
              onCancel={cancel}
            />
          );
        }
        case 'webhooks': {
          const e = find(webhooks);
          return (
            <WebhookForm
              key={key}
              {...(e === undefined ? {} : { existing: e })}
              onSaved={(item) => {
                if (item.secret !== undefined) setRevealed({ id: item._id, secret: item.secret });
                saved(webhooks)(withoutSecret(item));
              }}
              onCancel={cancel}
            />
          );
        }
      }
    })();
    return (
      <div className="page">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={paths.integrations()}>Integrations</Link> <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">
            {mode === 'new' ? formTitles[kind].replace(/^Add an? /, 'Add ') : 'Edit'}
          </span>
        </nav>
        <h1>{mode === 'new' ? formTitles[kind] : `Edit ${existing?.name ?? 'integration'}`}</h1>
        <p className="lead">{leads[kind]}</p>
        {mode === 'edit' && existing === undefined ? (
          list.loading ? (
            <p className="muted">Loading…</p>
          ) : (
            <ErrorMessage error={list.error ?? new Error('This integration does not exist (any more).')} />
          )
        ) : (
          form
        )}
      </div>
    );
  }

  const focusedId = (k: IntegrationKindKey) => (k === kind ? integrationId : undefined);
  return (
    <div className="page">
      <h1>Integrations</h1>
      <p className="lead">
        Announce every change where your team talks, or send it to your own systems. Each integration gets the
        changes its filter lets through.
      </p>
      <IntegrationCatalog
        counts={{
          hipchat: hipchat.data?.items.length,
          slack: slack.data?.items.length,
          msteams: msteams.data?.items.length,
          webhooks: webhooks.data?.items.length,
        }}
      />
      <KindSection
        kind={kinds.hipchat}
        list={hipchat}
        ops={api.hipchat}
        detail={details.hipchat}
        deleteNote={deleteNotes.hipchat}
        focusedId={focusedId('hipchat')}
        alwaysShown
      />
      <KindSection
        kind={kinds.slack}
        list={slack}
        ops={api.slack}
        detail={details.slack}
        deleteNote={deleteNotes.slack}
        focusedId={focusedId('slack')}
        alwaysShown={false}
      />
      <KindSection
        kind={kinds.msteams}
        list={msteams}
        ops={api.msteams}
        detail={details.msteams}
        deleteNote={deleteNotes.msteams}
        focusedId={focusedId('msteams')}
        alwaysShown={false}
      />
      <KindSection
        kind={kinds.webhooks}
        list={webhooks}
        ops={api.webhooks}
        detail={details.webhooks}
        deleteNote={deleteNotes.webhooks}
        focusedId={focusedId('webhooks')}
        alwaysShown={false}
        extra={(webhook) =>
          revealed?.id === webhook._id ? (
            <OneTimeSecret secret={revealed.secret} onDone={() => setRevealed(undefined)} />
          ) : null
        }
      />
    </div>
  );
}
