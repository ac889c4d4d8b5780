import { useState } from 'react';
import { messageOf } from '../api';

export interface OptimisticToggle {
  /** What the switch shows: the wished-for value while the server is asked, then the real one. */
  readonly checked: boolean;
  readonly busy: boolean;
  /** Why the server refused the last change, shown next to the switch. */
  readonly error: string | undefined;
  /** Counts refusals, so the switch can play its shake each time. */
  readonly refusals: number;
  readonly toggle: () => void;
}

/**
 * A switch that takes effect at once and rolls back visibly: it shows the new value immediately,
 * asks the server, and on refusal shows the actual value again with the server's message.
 */
export function useOptimisticToggle(
  actual: boolean,
  commit: (next: boolean) => Promise<void>,
): OptimisticToggle {
  const [pending, setPending] = useState<boolean | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [refusals, setRefusals] = useState(0);
  const toggle = () => {
    if (pending !== undefined) return;
    const next = !actual;
    setPending(next);
    setError(undefined);
    commit(next).then(
      () => setPending(undefined),
      (failure: unknown) => {
        setPending(undefined);
        setError(messageOf(failure));
        setRefusals((n) => n + 1);
      },
    );
  };
  return { checked: pending ?? actual, busy: pending !== undefined, error, refusals, toggle };
}
