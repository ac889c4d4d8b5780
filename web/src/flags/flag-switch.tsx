import { useId } from 'react';
import type { Flag } from '../api-types';
import { Switch } from '../ui/switch';
import type { FlagToggles, ToggleEnv } from './flag-toggles';

interface FlagSwitchProps {
  readonly flag: Flag;
  readonly envKey: string;
  /** Undefined until the environment's rules are known: the switch waits for them. */
  readonly env: ToggleEnv | undefined;
  /** The page's switches (see useFlagToggles): the change, its confirmation and its outcome. */
  readonly toggles: FlagToggles;
}

/**
 * A flag's on/off switch in one environment. It shows the new value while the server is asked and
 * rolls back with the server's reason; where the environment asks for confirmation, it changes only
 * once confirmed.
 */
export function FlagSwitch({ flag, envKey, env, toggles }: FlagSwitchProps) {
  const id = useId();
  const actual = flag.environments[envKey]?.on ?? false;
  const state = toggles.stateOf(flag.key, envKey);
  return (
    <div className="flag-switch">
      <Switch
        checked={state.pending ?? actual}
        onToggle={() => {
          if (state.pending !== undefined || env === undefined) return;
          toggles.request(flag, env, !actual, document.activeElement as HTMLElement | null);
        }}
        busy={state.pending !== undefined}
        disabled={env === undefined}
        label={`${flag.name} in ${env?.name ?? flag.environments[envKey]?._environmentName ?? envKey}`}
        describedBy={state.error === undefined ? undefined : id}
        refusals={state.refusals}
      />
      {state.error === undefined ? null : (
        <p className="field-error" id={id} role="alert">
          Not switched: {state.error}
        </p>
      )}
    </div>
  );
}
