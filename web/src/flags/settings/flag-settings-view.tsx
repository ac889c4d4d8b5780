import type { Flag } from '../../api-types';
import { useWriteAccess } from '../use-write-access';
import { FlagLifecycle } from './flag-lifecycle';
import { FlagSettingsForm } from './flag-settings-form';
import { VariationsEditor } from './variations-editor';
import './flag-settings.css';

interface FlagSettingsViewProps {
  readonly projectKey: string;
  readonly flag: Flag;
  readonly onChanged: (flag: Flag) => void;
}

/** What a flag is across environments: its settings, its variations, archiving and deleting it. */
export function FlagSettingsView({ projectKey, flag, onChanged }: FlagSettingsViewProps) {
  // A description that only changes by a trailing space: authorized as updateDescription.
  const access = useWriteAccess(
    projectKey,
    flag.key,
    [{ op: 'replace', path: '/description', value: `${flag.description} ` }],
    "change this flag's settings",
  );
  return (
    <div className="flag-settings">
      <FlagSettingsForm
        key={`${flag.key}:settings`}
        projectKey={projectKey}
        flag={flag}
        access={access}
        onSaved={onChanged}
      />
      <VariationsEditor
        key={`${flag.key}:variations:${flag._version}`}
        projectKey={projectKey}
        flag={flag}
        access={access}
        onSaved={onChanged}
      />
      <FlagLifecycle projectKey={projectKey} flag={flag} access={access} onChanged={onChanged} />
    </div>
  );
}
