import { useCallback } from 'react';
import { api } from '../api';
import type { Flag, FlagEvaluations } from '../api-types';
import { RelativeTime } from '../ui/relative-time';
import { usePolled } from '../ui/use-polled';
import { variationText } from './variation-text';

const count = new Intl.NumberFormat();
const times = (n: number) => `${count.format(n)} ${n === 1 ? 'time' : 'times'}`;

/** "true: 7, false: 2, default value: 1": what the SDKs served, most first. */
function breakdown(flag: Flag, evaluations: FlagEvaluations): string {
  return [...evaluations.variations]
    .sort((a, b) => b.count - a.count)
    .map(
      (v) =>
        `${v.variation === null ? 'default value' : variationText(flag, v.variation)}: ${count.format(v.count)}`,
    )
    .join(', ');
}

interface FlagEvaluationsLineProps {
  readonly projectKey: string;
  readonly envKey: string;
  readonly flag: Flag;
}

/**
 * "Evaluated N times in the last 24 h · last evaluated …" for one environment, from the SDKs'
 * analytics events. Polled slowly: SDKs report every few seconds, and counts are per hour.
 */
export function FlagEvaluationsLine({ projectKey, envKey, flag }: FlagEvaluationsLineProps) {
  const load = useCallback(
    () => api.flags.evaluations(projectKey, flag.key, envKey),
    [projectKey, flag.key, envKey],
  );
  const { data, error } = usePolled(`evaluations:${projectKey}:${flag.key}:${envKey}`, load, 30_000);
  if (data === undefined) {
    return (
      <p className="muted small">
        {error === undefined ? 'Loading evaluations…' : `Evaluations unavailable: ${error.message}`}
      </p>
    );
  }
  if (data.totalCount === 0 && data.lastEvaluated === null) {
    return <p className="muted small">Not evaluated yet by any SDK</p>;
  }
  return (
    <p className="muted small">
      {data.totalCount === 0
        ? `Not evaluated in the last ${data.hours} h`
        : `Evaluated ${times(data.totalCount)} in the last ${data.hours} h (${breakdown(flag, data)})`}
      {data.lastEvaluated === null ? null : (
        <>
          {' '}
          · last evaluated <RelativeTime at={data.lastEvaluated} />
        </>
      )}
    </p>
  );
}
