import { useCallback, useState } from 'react';
import { type ChannelOps, messageOf } from '../api';
import type { Delivery, DeliveryAttempt } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { MarkdownInline } from '../ui/markdown';
import { formatDate, RelativeTime } from '../ui/relative-time';
import { StatusBadge } from '../ui/status-badge';
import { usePolled } from '../ui/use-polled';
import { chatAnswerMessage } from './chat-answer';

const statusLabels: Readonly<Record<string, { label: string; tone: 'good' | 'bad' | 'wait' | 'neutral' }>> = {
  done: { label: 'Delivered', tone: 'good' },
  pending: { label: 'Pending', tone: 'wait' },
  dead: { label: 'Dead', tone: 'bad' },
  dropped: { label: 'Dropped', tone: 'neutral' },
};

function attemptText(attempt: DeliveryAttempt): string {
  const code =
    attempt.statusCode === undefined ? (attempt.errorClass ?? 'no answer') : `HTTP ${attempt.statusCode}`;
  const answer = chatAnswerMessage(attempt.responseExcerpt);
  return `${attempt.outcome} · ${code} · ${attempt.latencyMs} ms${answer === undefined ? '' : ` · ${answer}`}`;
}

function DeliveryRow({
  delivery,
  onResend,
}: {
  readonly delivery: Delivery;
  readonly onResend: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const last = delivery.attemptLog[delivery.attemptLog.length - 1];
  const status = statusLabels[delivery.status] ?? { label: delivery.status, tone: 'neutral' as const };
  const resend = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onResend();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr>
      <td className="nowrap">
        <RelativeTime at={delivery.createdAt} />
      </td>
      <td className="delivery-title">
        <MarkdownInline text={delivery.title} />
        {delivery.attemptLog.length === 0 ? null : (
          <details className="attempts">
            <summary>
              {delivery.attemptLog.length} attempt{delivery.attemptLog.length === 1 ? '' : 's'}
            </summary>
            <ol>
              {delivery.attemptLog.map((attempt) => (
                <li key={attempt.attempt}>
                  <time dateTime={new Date(attempt.at).toISOString()}>{formatDate(attempt.at)}</time>:{' '}
                  {attemptText(attempt)}
                </li>
              ))}
            </ol>
          </details>
        )}
        {delivery.status === 'pending' && delivery.nextAttemptAt !== undefined && delivery.attempts > 0 ? (
          <p className="muted small">
            Next attempt <RelativeTime at={delivery.nextAttemptAt} />
          </p>
        ) : null}
      </td>
      <td>
        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
      </td>
      <td className="numeric">{delivery.attempts}</td>
      <td className="numeric nowrap">{last === undefined ? '–' : `${last.latencyMs} ms`}</td>
      <td className="delivery-answer">
        {last === undefined
          ? '–'
          : last.statusCode === undefined
            ? (last.errorClass ?? delivery.lastError ?? '–')
            : `HTTP ${last.statusCode}${delivery.status === 'done' ? '' : ` ${chatAnswerMessage(last.responseExcerpt) ?? ''}`}`}
        {error === undefined ? null : (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </td>
      <td>
        {delivery.status === 'dead' || delivery.status === 'dropped' ? (
          <button
            type="button"
            className="button button-small"
            onClick={resend}
            disabled={busy}
            aria-label={`Re-send delivery ${delivery._id}`}
          >
            Re-send
          </button>
        ) : null}
      </td>
    </tr>
  );
}

/** Every delivery of an integration, newest first, with each attempt; refreshes every 2 seconds. */
export function DeliveryLog({
  ops,
  integrationId,
  name,
}: {
  /** The endpoints of the integration's kind. */
  readonly ops: Pick<ChannelOps<unknown>, 'deliveries' | 'retry'>;
  readonly integrationId: string;
  readonly name: string;
}) {
  const load = useCallback(() => ops.deliveries(integrationId, 20), [ops, integrationId]);
  const log = usePolled(`deliveries:${integrationId}`, load, 2000);
  const items = log.data?.items;
  return (
    <section className="delivery-log" aria-label={`Delivery log of ${name}`}>
      <ErrorMessage error={log.error} title="Could not load the delivery log." />
      {items === undefined ? (
        log.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : items.length === 0 ? (
        <p className="muted empty">
          No deliveries yet. Changes that pass the filter appear here as they are sent.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change</th>
                <th scope="col">Status</th>
                <th scope="col" className="numeric">
                  Attempts
                </th>
                <th scope="col" className="numeric">
                  Latency
                </th>
                <th scope="col">Answer</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <DeliveryRow
                  key={delivery._id}
                  delivery={delivery}
                  onResend={async () => {
                    await ops.retry(integrationId, delivery._id);
                    await log.reload();
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
