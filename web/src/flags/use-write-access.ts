import { useEffect, useState } from 'react';
import { ApiError, api } from '../api';
import type { JsonPatchOperation } from '../api-types';

export type WriteAccess =
  | { readonly kind: 'checking' }
  | { readonly kind: 'writable' }
  | { readonly kind: 'read-only'; readonly reason: string };

/**
 * Whether the signed-in member may make a kind of change to a flag, asked of the server itself:
 * a dry run of `probe` (authorized and validated, nothing written), so built-in roles, custom
 * roles and their resource specifiers give the answer a real save would get. `what` names the
 * change in the reason ("change this flag's targeting").
 */
export function useWriteAccess(
  projectKey: string,
  flagKey: string,
  probe: readonly JsonPatchOperation[],
  what: string,
): WriteAccess {
  const [access, setAccess] = useState<WriteAccess>({ kind: 'checking' });
  // Compared as text: a probe built afresh on each render is still the same question.
  const probeText = JSON.stringify(probe);
  useEffect(() => {
    let current = true;
    setAccess({ kind: 'checking' });
    api.flags.dryRun(projectKey, flagKey, JSON.parse(probeText) as JsonPatchOperation[]).then(
      () => current && setAccess({ kind: 'writable' }),
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.status === 403)
          setAccess({
            kind: 'read-only',
            reason: `Your role lets you see this but not ${what} (the server says: ${error.message}). Ask an admin for a role that allows it.`,
          });
        // Anything else (a network error, a probe the flag cannot take) is for the save to report.
        else setAccess({ kind: 'writable' });
      },
    );
    return () => {
      current = false;
    };
  }, [projectKey, flagKey, probeText, what]);
  return access;
}

/** A JSON pointer to a field of one environment's configuration. */
export const envPointer = (envKey: string, field: string): string =>
  `/environments/${envKey.replace(/~/g, '~0').replace(/\//g, '~1')}/${field}`;
