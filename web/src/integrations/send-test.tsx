import { useState } from 'react';
import type { TestOutcome } from '../api-types';
import type { IntegrationKindKey } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { RelativeTime } from '../ui/relative-time';
import { describeFailure } from './failure-text';

/** The raw answer (or network error) of a failure, for whoever wants the exact words. */
export function RawDetail({
  answerer,
  statusCode,
  latencyMs,
  detail,
}: {
  readonly answerer: string;
  readonly statusCode?: number | undefined;
  readonly latencyMs?: number | undefined;
  readonly detail?: string | undefined;
}) {
  const said = answerer === 'The receiver' ? 'The receiver’s' : `${answerer}’s`;
  const facts = [
    statusCode === undefined ? 'no answer' : `HTTP ${statusCode}`,
    ...(latencyMs === undefined ? [] : [`${latencyMs} ms`]),
  ].join(' · ');
  return (
    <details className="raw-detail">
      <summary>{statusCode === undefined ? 'Technical detail' : `${said} answer`}</summary>
      <p className="muted small">{facts}</p>
      {detail === undefined || detail === '' ? null : <pre className="raw">{detail}</pre>}
    </details>
  );
}

/** The outcome of the test just sent: a status of the moment, with when it was. */
function TestResult({
  outcome,
  kind,
  answerer,
}: {
  readonly outcome: TestOutcome;
  readonly kind: IntegrationKindKey;
  readonly answerer: string;
}) {
  if (outcome.ok) {
    return (
      <div className="alert alert-success">
        <p>
          Test message delivered <RelativeTime at={outcome.at} /> in {outcome.latencyMs} ms
          {outcome.statusCode === undefined ? '' : ` (HTTP ${outcome.statusCode})`}.
        </p>
      </div>
    );
  }
  const detail = outcome.responseBody ?? outcome.error;
  return (
    <div className="alert alert-error">
      <p>
        <strong>Test failed</strong> <RelativeTime at={outcome.at} />:{' '}
        {describeFailure(kind, { statusCode: outcome.statusCode, errorClass: outcome.errorClass, detail })}
      </p>
      <RawDetail
        answerer={answerer}
        statusCode={outcome.statusCode}
        latencyMs={outcome.latencyMs}
        detail={detail}
      />
    </div>
  );
}

/**
 * Sends a test message now and shows how it went: a status of that moment (the card drops it
 * when the integration is switched or edited), kept in the delivery log as a test.
 */
export function SendTest({
  test,
  kind,
  answerer,
  outcome,
  onTested,
}: {
  /** Sends the test for this integration. */
  readonly test: () => Promise<TestOutcome>;
  readonly kind: IntegrationKindKey;
  /** "HipChat", "Slack", "The receiver", … */
  readonly answerer: string;
  /** The last test's outcome while it still describes the integration as it is. */
  readonly outcome: TestOutcome | undefined;
  readonly onTested: (outcome: TestOutcome | undefined) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const send = async () => {
    setBusy(true);
    setError(undefined);
    onTested(undefined);
    try {
      onTested(await test());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="button" onClick={send} disabled={busy}>
        {busy ? 'Sending…' : 'Send test'}
      </button>
      <div className="test-result" aria-live="polite">
        {outcome === undefined ? null : <TestResult outcome={outcome} kind={kind} answerer={answerer} />}
        <ErrorMessage error={error} title="Test not sent." />
      </div>
    </>
  );
}
