import type { IntegrationStatus } from '../api-types';
import type { IntegrationKindKey } from '../router';
import { RelativeTime } from '../ui/relative-time';
import { describeFailure } from './failure-text';
import { RawDetail } from './send-test';

/**
 * Is the target receiving its notifications? Last success, the counters (every attempt and
 * test, as the delivery log lists them), the last error in words with its raw answer behind a
 * disclosure, and why it is in error.
 */
export function IntegrationHealth({
  status,
  kind,
  answerer,
  checkHint = 'Check the room and token, then send a test.',
  testShownAt,
}: {
  readonly status: IntegrationStatus;
  readonly kind: IntegrationKindKey;
  readonly answerer: string;
  readonly checkHint?: string;
  /** The failed test the card shows right now (under the buttons), if any: not described a second time here. */
  readonly testShownAt?: number | undefined;
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
            <span className="health-counts">
              {status.successCount} · {status.errorCount} · {status.pending}
            </span>
            <div className="muted small">attempts and tests, as in the delivery log</div>
          </dd>
        </div>
        <div className={failingNow ? 'health-last-error failing' : 'health-last-error'}>
          <dt>Last error</dt>
          <dd>
            {lastError === undefined ? (
              <span className="muted">none</span>
            ) : lastError.test === true && lastError.timestamp === testShownAt ? (
              <>
                <RelativeTime at={lastError.timestamp} />: the test below
              </>
            ) : (
              <>
                <RelativeTime at={lastError.timestamp} />
                {lastError.test === true ? ', a test: ' : ': '}
                <span className="failure-text">
                  {describeFailure(kind, {
                    statusCode: lastError.statusCode,
                    errorClass: lastError.errorClass,
                    detail: lastError.responseBody,
                  })}
                </span>
                <RawDetail
                  answerer={answerer}
                  statusCode={lastError.statusCode}
                  detail={lastError.responseBody}
                />
              </>
            )}
          </dd>
        </div>
      </dl>
    </div>
  );
}
