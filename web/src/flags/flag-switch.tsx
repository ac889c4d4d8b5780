import { useId } from 'react';
import { api } from '../api';
import type { Flag } from '../api-types';
import { Switch } from '../ui/switch';
import { useOptimisticToggle } from '../ui/use-optimistic-toggle';

interface FlagSwitchProps {
  readonly projectKey: string;
  readonly envKey: string;
  readonly envName: string;
  readonly flag: Flag;
  /** Sent with the change (optional); `onCommentUsed` clears it once the change is made. */
  readonly comment: string;
  readonly onCommentUsed: () => void;
  readonly onChanged: (flag: Flag) => void;
}

/** A flag's on/off switch in one environment; takes effect at once, rolls back with the server's reason. */
export function FlagSwitch({
  projectKey,
  envKey,
  envName,
  flag,
  comment,
  onCommentUsed,
  onChanged,
}: FlagSwitchProps) {
  const id = useId();
  const actual = flag.environments[envKey]?.on ?? false;
  const toggle = useOptimisticToggle(actual, async (on) => {
    const updated = await api.flags.setOn(projectKey, flag.key, envKey, on, comment);
    onCommentUsed();
    onChanged(updated);
  });
  return (
    <div className="flag-switch">
      <Switch
        checked={toggle.checked}
        onToggle={toggle.toggle}
        busy={toggle.busy}
        label={`${flag.name} in ${envName}`}
        describedBy={toggle.error === undefined ? undefined : id}
        refusals={toggle.refusals}
      />
      {toggle.error === undefined ? null : (
        <p className="field-error" id={id} role="alert">
          Not switched: {toggle.error}
        </p>
      )}
    </div>
  );
}
