import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ApiError, messageOf } from '../api';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Loads now (and the next poll waits a full interval again). */
  readonly reload: () => Promise<void>;
  /** Applies a local change (e.g. the answer to a write); answers to reads already in flight are dropped. */
  readonly update: (change: (data: T | undefined) => T | undefined) => void;
}

const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError ? error : new ApiError(0, 'error', messageOf(error));

/**
 * Loads with `load` when `key` changes and then every `intervalMs` while the page is visible
 * (none: load once). Each write bumps a generation counter, so a poll that was already on its way
 * cannot overwrite what the write just showed.
 */
export function usePolled<T>(key: string, load: () => Promise<T>, intervalMs?: number): Polled<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: ApiError }>({ key });
  const loadRef = useRef(load);
  const generation = useRef(0);
  useLayoutEffect(() => {
    loadRef.current = load;
  });

  const reload = useCallback(async () => {
    const started = generation.current;
    try {
      const data = await loadRef.current();
      if (started === generation.current) setState({ key, data });
    } catch (error) {
      if (started === generation.current) setState((s) => ({ ...s, key, error: asApiError(error) }));
    }
  }, [key]);

  useEffect(() => {
    generation.current++;
    let stopped = false;
    let timer: number | undefined;
    const tick = async () => {
      if (document.visibilityState !== 'hidden') await reload();
      if (!stopped && intervalMs !== undefined) timer = window.setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [reload, intervalMs]);

  const update = useCallback((change: (data: T | undefined) => T | undefined) => {
    generation.current++;
    setState((s) => ({ key: s.key, data: change(s.data) }));
  }, []);

  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || (state.data === undefined && state.error === undefined),
    reload,
    update,
  };
}
