import { useState } from 'react';
import type { TestOutcome } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { chatAnswerMessage } from './chat-answer';

function describe(outcome: TestOutcome, answerer: string): string {
  const code = outcome.statusCode === undefined ? '' : ` HTTP ${outcome.statusCode}`;
  if (outcome.ok) return `Test message delivered in ${outcome.latencyMs} ms (${code.trim()}).`;
  const answer = chatAnswerMessage(outcome.responseBody) ?? outcome.error ?? 'no answer';
  return outcome.statusCode === undefined
    ? `Test failed after ${outcome.latencyMs} ms: ${answer}`
    : `Test failed: ${answerer} answered${code} in ${outcome.latencyMs} ms: ${answer}`;
}

/** Sends a test message now and shows the answer (HipChat's, Slack's, the receiver's) as it was. */
export function SendTest({
  test,
  answerer,
  onTested,
}: {
  /** Sends the test for this integration. */
  readonly test: () => Promise<TestOutcome>;
  /** "HipChat", "Slack", "The receiver", … */
  readonly answerer: string;
  readonly onTested: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<TestOutcome>();
  const [error, setError] = useState<unknown>();
  const send = async () => {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      setOutcome(await test());
      onTested();
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
        {outcome === undefined ? null : (
          <div className={outcome.ok ? 'alert alert-success' : 'alert alert-error'}>
            <p>{describe(outcome, answerer)}</p>
            {outcome.ok || outcome.responseBody === undefined ? null : (
              <details>
                <summary>{answerer === 'The receiver' ? 'The receiver’s' : `${answerer}’s`} answer</summary>
                <pre className="raw">{outcome.responseBody}</pre>
              </details>
            )}
          </div>
        )}
        <ErrorMessage error={error} title="Test not sent." />
      </div>
    </>
  );
}
