import { useEffect, useState } from 'react';
import { ApiError, api } from '../../api';

export type WriteAccess =
  | { readonly kind: 'checking' }
  | { readonly kind: 'writable' }
  | { readonly kind: 'read-only'; readonly reason: string };

/**
 * Whether the signed-in member may change this flag's targeting here, asked of the server itself
 * (a dry run of adding a rule: authorized and validated, nothing written), so built-in roles,
 * custom roles and their resource specifiers all give the answer a real save would get.
 */
export function useWriteAccess(projectKey: string, flagKey: string, envKey: string): WriteAccess {
  const [access, setAccess] = useState<WriteAccess>({ kind: 'checking' });
  useEffect(() => {
    let current = true;
    setAccess({ kind: 'checking' });
    const at = `/environments/${envKey.replace(/~/g, '~0').replace(/\//g, '~1')}/rules/-`;
    api.flags
      .dryRun(projectKey, flagKey, [{ op: 'add', path: at, value: { clauses: [], variation: 0 } }])
      .then(
        () => current && setAccess({ kind: 'writable' }),
        (error: unknown) => {
          if (!current) return;
          if (error instanceof ApiError && error.status === 403)
            setAccess({
              kind: 'read-only',
              reason: `Your role lets you see this flag's targeting but not change it (the server says: ${error.message}). Ask an admin for a role that allows it.`,
            });
          // Anything else (a flag the probe cannot change, a network error) is for the save to report.
          else setAccess({ kind: 'writable' });
        },
      );
    return () => {
      current = false;
    };
  }, [projectKey, flagKey, envKey]);
  return access;
}
