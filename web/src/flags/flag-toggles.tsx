import { useCallback, useEffect, useRef, useState } from 'react';
import { api, messageOf } from '../api';
import type { Flag } from '../api-types';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ChangeComment } from './change-comment';
import {
  type ChangeRules,
  commentProblem,
  confirmationReason,
  toggleAsks,
  toggleOutcomeText,
} from './change-rules';

/** An environment as a switch needs it: its name and what it asks of a change. */
export interface ToggleEnv extends ChangeRules {
  readonly key: string;
  readonly name: string;
}

/** One switch's moment: the value asked of the server, why it refused, how often it did. */
export interface SwitchState {
  readonly pending?: boolean;
  readonly error?: string;
  readonly refusals: number;
}

interface Toggle {
  readonly flag: Flag;
  readonly env: ToggleEnv;
  readonly on: boolean;
}

/** The last toggle saved, as its message says it. */
interface Outcome extends Toggle {
  readonly commented: boolean;
}

export interface FlagToggles {
  readonly stateOf: (flagKey: string, envKey: string) => SwitchState;
  /** Turns `flag` on or off in `env`: at once, or through the confirmation where `env` asks. */
  readonly request: (flag: Flag, env: ToggleEnv, on: boolean, origin: HTMLElement | null) => void;
  /** The toggle being confirmed, the element to give focus back to, and the page's comment then. */
  readonly asking: (Toggle & { readonly origin: HTMLElement | null; readonly comment: string }) | undefined;
  readonly outcome: Outcome | undefined;
  readonly confirm: (comment: string) => void;
  readonly cancel: () => void;
}

const keyOf = (flagKey: string, envKey: string) => `${flagKey}\u0000${envKey}`;
const idle: SwitchState = { refusals: 0 };

/**
 * The on/off switches of a page: each change goes at once with the page's comment, or, in an
 * environment that asks (critical, confirmChanges, or a required comment not yet written), once
 * confirmed in a dialog that takes the comment; the last saved change is kept to be shown and undone.
 */
export function useFlagToggles(options: {
  readonly projectKey: string;
  /** The page's comment box: sent with the next change, and emptied once it went with one. */
  readonly comment: string;
  readonly onCommentUsed: () => void;
  readonly onChanged: (flag: Flag) => void;
}): FlagToggles {
  const { projectKey, comment, onCommentUsed, onChanged } = options;
  const [states, setStates] = useState<Readonly<Record<string, SwitchState>>>({});
  const [asking, setAsking] = useState<FlagToggles['asking']>();
  const [outcome, setOutcome] = useState<Outcome>();
  const inFlight = useRef(new Set<string>());

  const commit = useCallback(
    async ({ flag, env, on }: Toggle, text: string) => {
      const key = keyOf(flag.key, env.key);
      if (inFlight.current.has(key)) return;
      inFlight.current.add(key);
      setStates((s) => ({ ...s, [key]: { pending: on, refusals: s[key]?.refusals ?? 0 } }));
      try {
        const updated = await api.flags.setOn(projectKey, flag.key, env.key, on, text);
        onChanged(updated);
        if (text.trim() !== '') onCommentUsed();
        setOutcome({ flag: updated, env, on, commented: text.trim() !== '' });
        setStates((s) => ({ ...s, [key]: { refusals: s[key]?.refusals ?? 0 } }));
      } catch (failure) {
        setStates((s) => ({
          ...s,
          [key]: { error: messageOf(failure), refusals: (s[key]?.refusals ?? 0) + 1 },
        }));
      } finally {
        inFlight.current.delete(key);
      }
    },
    [projectKey, onChanged, onCommentUsed],
  );

  return {
    stateOf: (flagKey, envKey) => states[keyOf(flagKey, envKey)] ?? idle,
    request: (flag, env, on, origin) => {
      if (toggleAsks(env, comment)) setAsking({ flag, env, on, origin, comment });
      else void commit({ flag, env, on }, comment);
    },
    asking,
    outcome,
    confirm: (text) => {
      if (asking === undefined) return;
      setAsking(undefined);
      void commit(asking, text);
    },
    cancel: () => setAsking(undefined),
  };
}

/**
 * The confirmation of one toggle: names the flag and the environment, takes the comment (seeded
 * with the page's), refuses to go on without one where it is required. Focus starts in the dialog
 * and goes back to the switch that opened it.
 */
export function ToggleConfirmation({ toggles }: { toggles: FlagToggles }) {
  const { asking } = toggles;
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const origin = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (asking !== undefined) {
      origin.current = asking.origin;
      setText(asking.comment);
      setError(undefined);
    } else {
      // After the dialog's own effect has closed it (a child's effects run first).
      origin.current?.focus();
      origin.current = null;
    }
  }, [asking]);
  const verb = asking?.on === true ? 'on' : 'off';
  const flagName = asking?.flag.name ?? '';
  const envName = asking?.env.name ?? '';
  return (
    <ConfirmDialog
      open={asking !== undefined}
      title={`Turn ${verb} ${flagName} in ${envName}?`}
      confirmLabel={`Turn ${verb} in ${envName}`}
      onConfirm={() => {
        const problem = commentProblem(asking?.env, envName, text);
        setError(problem);
        if (problem === undefined) toggles.confirm(text);
        else commentRef.current?.focus();
      }}
      onCancel={toggles.cancel}
    >
      <p>
        {confirmationReason(asking?.env, envName)} Turning {flagName} {verb} takes effect for every SDK
        connected to {envName} at once.
      </p>
      <ChangeComment
        value={text}
        onChange={(c) => {
          setText(c);
          setError(undefined);
        }}
        required={asking?.env.requireComments === true}
        error={error}
        hint="Goes with this change into the audit log and the room."
        inputRef={commentRef}
      />
    </ConfirmDialog>
  );
}

/** What the last toggle did, announced, with a way to take it back (its own change and audit entry). */
export function ToggleOutcome({ toggles }: { toggles: FlagToggles }) {
  const { outcome } = toggles;
  return (
    <div className="toggle-outcome" role="status">
      {outcome === undefined ? null : (
        <p className="alert alert-success">
          {toggleOutcomeText({
            on: outcome.on,
            flagName: outcome.flag.name,
            envName: outcome.env.name,
            commented: outcome.commented,
          })}
          .{' '}
          <button
            type="button"
            className="button button-small"
            onClick={(e) => toggles.request(outcome.flag, outcome.env, !outcome.on, e.currentTarget)}
          >
            Undo
          </button>
        </p>
      )}
    </div>
  );
}
