import type { IntegrationStatus } from '../api-types';
import { RelativeTime } from '../ui/relative-time';
import { chatAnswerMessage } from './chat-answer';

/** Is the target receiving its notifications? Last success, last error with its answer, why in error. */
export function IntegrationHealth({
  status,
  checkHint = 'Check the room and token, then send a test.',
}: {
  readonly status: IntegrationStatus;
  readonly checkHint?: string;
}) {
  const lastError = status.errors[0];
  const failingNow =
    lastError !== undefined && (status.lastSuccess === undefined || lastError.timestamp > status.lastSuccess);
  return (
    <div className="health">
      {status.errored === undefined ? null : (
        <p className="alert alert-error health-errored">
          <strong>In error</strong> since <RelativeTime at={status.errored.since} />: {status.errored.reason}.{' '}
          {checkHint}
        </p>
      )}
      <dl className="health-grid">
        <div>
          <dt>Last success</dt>
          <dd>
            {status.lastSuccess === undefined ? (
              <span className="muted">none yet</span>
            ) : (
              <RelativeTime at={status.lastSuccess} />
            )}
          </dd>
        </div>
        <div>
          <dt>Sent · failed · waiting</dt>
          <dd>
            {status.successCount} · {status.errorCount} · {status.pending}
          </dd>
        </div>
        <div className={failingNow ? 'health-last-error failing' : 'health-last-error'}>
          <dt>Last error</dt>
          <dd>
            {lastError === undefined ? (
              <span className="muted">none</span>
            ) : (
              <>
                <RelativeTime at={lastError.timestamp} />
                {': '}
                {lastError.statusCode === undefined ? (
                  'no answer'
                ) : (
                  <span className="status-code">HTTP {lastError.statusCode}</span>
                )}{' '}
                <span className="chat-answer">{chatAnswerMessage(lastError.responseBody) ?? ''}</span>
              </>
            )}
          </dd>
        </div>
      </dl>
    </div>
  );
}
