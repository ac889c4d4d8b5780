import { useCallback, useState } from 'react';
import { type ChannelOps, messageOf } from '../api';
import type { Delivery, DeliveryAttempt, TestMessage } from '../api-types';
import type { IntegrationKindKey } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { MarkdownInline } from '../ui/markdown';
import { formatDate, RelativeTime } from '../ui/relative-time';
import { StatusBadge } from '../ui/status-badge';
import { usePolled } from '../ui/use-polled';
import { chatAnswerMessage } from './chat-answer';
import { describeFailure } from './failure-text';
import { kinds } from './kinds';
import { RawDetail } from './send-test';

const statusLabels: Readonly<Record<string, { label: string; tone: 'good' | 'bad' | 'wait' | 'neutral' }>> = {
  done: { label: 'Delivered', tone: 'good' },
  pending: { label: 'Pending', tone: 'wait' },
  dead: { label: 'Dead', tone: 'bad' },
  dropped: { label: 'Dropped', tone: 'neutral' },
};

/** One attempt as it happened, raw: the disclosure behind the row's sentence. */
function attemptText(attempt: DeliveryAttempt): string {
  const code =
    attempt.statusCode === undefined
      ? `no answer (${(attempt.errorClass ?? 'error').replace(/_/g, ' ')})`
      : `HTTP ${attempt.statusCode}`;
  const answer = chatAnswerMessage(attempt.responseExcerpt);
  return `${attempt.outcome} · ${code} · ${attempt.latencyMs} ms${answer === undefined ? '' : ` · ${answer}`}`;
}

/** What the last attempt of a delivery came to, as a person reads it. */
function answerText(kind: IntegrationKindKey, delivery: Delivery, last: DeliveryAttempt | undefined): string {
  if (last === undefined) return '–';
  if (delivery.status === 'dropped') return delivery.lastError ?? 'Dropped';
  if (last.outcome === 'delivered' || delivery.status === 'done')
    return last.statusCode === undefined ? 'Delivered' : `HTTP ${last.statusCode}`;
  return describeFailure(kind, {
    statusCode: last.statusCode,
    errorClass: last.errorClass,
    detail: last.responseExcerpt ?? delivery.lastError,
  });
}

/** Why a pending delivery has not gone yet, or when it is tried next. */
function PendingNote({ delivery, kind }: { readonly delivery: Delivery; readonly kind: IntegrationKindKey }) {
  if (delivery.status !== 'pending') return null;
  const next = delivery.nextAttemptAt;
  if (delivery.waitingFor === 'earlierDelivery')
    return <p className="muted small">Waits for the delivery before it (deliveries go out in order)</p>;
  if (next === undefined) return null;
  if (delivery.waitingFor === 'rateLimit')
    return (
      <p className="muted small">
        Held back by {kinds[kind].label}’s rate limit; goes <RelativeTime at={next} />
      </p>
    );
  return delivery.attempts > 0 ? (
    <p className="muted small">
      Next attempt <RelativeTime at={next} />
    </p>
  ) : null;
}

function DeliveryRow({
  delivery,
  kind,
  onResend,
}: {
  readonly delivery: Delivery;
  readonly kind: IntegrationKindKey;
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
        <PendingNote delivery={delivery} kind={kind} />
      </td>
      <td>
        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
      </td>
      <td className="numeric">{delivery.attempts}</td>
      <td className="numeric nowrap">{last === undefined ? '–' : `${last.latencyMs} ms`}</td>
      <td className="delivery-answer">
        {answerText(kind, delivery, last)}
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

/** A Test button message: labelled as a test, never re-sendable, its raw answer behind a disclosure. */
function TestRow({
  test,
  kind,
  answerer,
}: {
  readonly test: TestMessage;
  readonly kind: IntegrationKindKey;
  readonly answerer: string;
}) {
  return (
    <tr className="test-row">
      <td className="nowrap">
        <RelativeTime at={test.at} />
      </td>
      <td className="delivery-title">
        <StatusBadge tone="neutral">Test</StatusBadge> Test message
        {test.actorName === undefined ? '' : ` sent by ${test.actorName}`}
      </td>
      <td>
        <StatusBadge tone={test.ok ? 'good' : 'bad'}>{test.ok ? 'Delivered' : 'Failed'}</StatusBadge>
      </td>
      <td className="numeric">1</td>
      <td className="numeric nowrap">{test.latencyMs} ms</td>
      <td className="delivery-answer">
        {test.ok ? (
          test.statusCode === undefined ? (
            'Delivered'
          ) : (
            `HTTP ${test.statusCode}`
          )
        ) : (
          <>
            {describeFailure(kind, {
              statusCode: test.statusCode,
              errorClass: test.errorClass,
              detail: test.detail,
            })}
            <RawDetail
              answerer={answerer}
              statusCode={test.statusCode}
              latencyMs={test.latencyMs}
              detail={test.detail}
            />
          </>
        )}
      </td>
      <td />
    </tr>
  );
}

type LogRow =
  | { readonly at: number; readonly delivery: Delivery }
  | { readonly at: number; readonly test: TestMessage };

/** Deliveries and tests in one list, newest first (a test and a delivery at the same ms: the test first). */
function logRows(items: readonly Delivery[], tests: readonly TestMessage[]): LogRow[] {
  return [
    ...items.map((delivery) => ({ at: delivery.createdAt, delivery })),
    ...tests.map((test) => ({ at: test.at, test })),
  ].sort((a, b) => b.at - a.at || ('test' in b ? 1 : 0) - ('test' in a ? 1 : 0));
}

/** Every delivery of an integration, newest first, with each attempt; refreshes every 2 seconds. */
export function DeliveryLog({
  ops,
  integrationId,
  name,
  kind,
  answerer,
}: {
  /** The endpoints of the integration's kind. */
  readonly ops: Pick<ChannelOps<unknown>, 'deliveries' | 'retry'>;
  readonly integrationId: string;
  readonly name: string;
  readonly kind: IntegrationKindKey;
  /** "HipChat", "Slack", "The receiver", … */
  readonly answerer: string;
}) {
  const load = useCallback(() => ops.deliveries(integrationId, 20), [ops, integrationId]);
  const log = usePolled(`deliveries:${integrationId}`, load, 2000);
  const rows = log.data === undefined ? undefined : logRows(log.data.items, log.data.tests ?? []);
  return (
    <section className="delivery-log" aria-label={`Delivery log of ${name}`}>
      <ErrorMessage error={log.error} title="Could not load the delivery log." />
      {rows === undefined ? (
        log.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : rows.length === 0 ? (
        <p className="muted empty">
          No deliveries or tests yet. Changes that pass the filter appear here as they are sent, and so does
          each test message.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change or test</th>
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
              {rows.map((row) =>
                'test' in row ? (
                  <TestRow key={`test-${row.test._id}`} test={row.test} kind={kind} answerer={answerer} />
                ) : (
                  <DeliveryRow
                    key={row.delivery._id}
                    delivery={row.delivery}
                    kind={kind}
                    onResend={async () => {
                      await ops.retry(integrationId, row.delivery._id);
                      await log.reload();
                    }}
                  />
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
