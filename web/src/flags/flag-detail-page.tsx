import { useCallback, useState } from 'react';
import { api } from '../api';
import type { Flag, Project } from '../api-types';
import { paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { Link } from '../ui/link';
import { RelativeTime } from '../ui/relative-time';
import { usePolled } from '../ui/use-polled';
import { CopyFlagButton } from './copy-flag-dialog';
import { FlagEvaluationsLine } from './flag-evaluations';
import { FlagSwitch } from './flag-switch';
import { ToggleConfirmation, ToggleOutcome, useFlagToggles } from './flag-toggles';
import { FlagSettingsView } from './settings/flag-settings-view';
import { TargetingEditor } from './targeting/targeting-editor';
import { TryContext } from './try-context';

interface FlagDetailPageProps {
  readonly project: string;
  readonly env: string;
  readonly flag: string;
  readonly view?: 'settings';
}

/** One flag: its variations, and per environment its switch, off variation, default rule, targets and rules. */
export function FlagDetailPage({
  project: projectKey,
  env: envKey,
  flag: flagKey,
  view,
}: FlagDetailPageProps) {
  const loadFlag = useCallback(() => api.flags.get(projectKey, flagKey), [projectKey, flagKey]);
  const loadProjects = useCallback(() => api.projects.list(), []);
  const flag = usePolled(`flag:${projectKey}:${flagKey}`, loadFlag, 5000);
  const projects = usePolled('projects', loadProjects);
  const project = projects.data?.items.find((p) => p.key === projectKey);
  const data = flag.data;
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.flags(projectKey)}>Flags</Link> <span aria-hidden="true">›</span>{' '}
        <span>{project?.name ?? projectKey}</span> <span aria-hidden="true">›</span>{' '}
        <span aria-current="page">{data?.name ?? flagKey}</span>
      </nav>
      <ErrorMessage error={flag.error} title="Could not load the flag." />
      {data === undefined ? (
        flag.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <FlagDetail
          flag={data}
          project={project}
          projectKey={projectKey}
          envKey={envKey}
          view={view}
          onChanged={(f) => flag.update(() => f)}
        />
      )}
    </div>
  );
}

interface FlagDetailProps {
  readonly flag: Flag;
  readonly project: Project | undefined;
  readonly projectKey: string;
  readonly envKey: string;
  readonly view: 'settings' | undefined;
  readonly onChanged: (flag: Flag) => void;
}

function FlagDetail({ flag, project, projectKey, envKey, view, onChanged }: FlagDetailProps) {
  const [comment, setComment] = useState('');
  const [copiedTo, setCopiedTo] = useState<string | undefined>(undefined);
  const envs =
    project?.environments ??
    Object.keys(flag.environments).map((key) => ({
      key,
      name: flag.environments[key]?._environmentName ?? key,
      color: '999999',
      _id: key,
    }));
  const settings = flag.environments[envKey];
  const envName = settings?._environmentName ?? envKey;
  // Until the environment's rules are known, its switch waits: it might have to ask first.
  const environment = project?.environments.find((e) => e.key === envKey);
  const toggles = useFlagToggles({
    projectKey,
    comment,
    onCommentUsed: () => setComment(''),
    onChanged,
  });
  return (
    <>
      <header className="detail-header">
        <div>
          <h1>{flag.name}</h1>
          <p className="muted">
            <code>{flag.key}</code> · {flag.kind} · {flag.temporary ? 'temporary' : 'permanent'}
            {flag.archived ? ' · archived' : ''} · created <RelativeTime at={flag.creationDate} />
          </p>
          {flag.description === '' ? null : <p>{flag.description}</p>}
          {flag.tags.length === 0 ? null : (
            <p>
              {flag.tags.map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
            </p>
          )}
        </div>
        <div className="actions">
          <CopyFlagButton
            projectKey={projectKey}
            flag={flag}
            envKey={envKey}
            environments={envs}
            onCopied={(copied, targetName) => {
              onChanged(copied);
              setCopiedTo(targetName);
            }}
          />
          <Link className="button" to={paths.audit({ spec: `proj/${projectKey}:env/*:flag/${flag.key}` })}>
            History
          </Link>
        </div>
      </header>
      {copiedTo === undefined ? null : (
        <p className="alert alert-success" role="status">
          Copied the settings to {copiedTo}.
        </p>
      )}

      <nav className="view-tabs" aria-label="Flag views">
        <Link
          className="chip"
          to={paths.flag(projectKey, envKey, flag.key)}
          aria-current={view === undefined ? 'page' : undefined}
        >
          Targeting
        </Link>
        <Link
          className="chip"
          to={paths.flagSettings(projectKey, envKey, flag.key)}
          aria-current={view === 'settings' ? 'page' : undefined}
        >
          Settings and variations
        </Link>
      </nav>

      {view === 'settings' ? (
        <FlagSettingsView projectKey={projectKey} flag={flag} onChanged={onChanged} />
      ) : (
        <>
          <nav className="tabs" aria-label="Environments">
            {envs.map((e) => (
              <Link
                key={e.key}
                to={paths.flag(projectKey, e.key, flag.key)}
                aria-current={e.key === envKey ? 'page' : undefined}
                className="tab"
              >
                <span className="env-dot" style={{ background: `#${e.color}` }} aria-hidden="true" />
                {e.name}
              </Link>
            ))}
          </nav>

          {settings === undefined ? (
            <p className="alert alert-error">This flag has no settings for the environment “{envKey}”.</p>
          ) : (
            <section className="card" aria-label={`Settings in ${envName}`}>
              <div className="env-switch-row">
                <div>
                  <h2>
                    {settings.on ? 'On' : 'Off'} in {envName}
                  </h2>
                  <p className="muted small">
                    Version {settings.version} · changed <RelativeTime at={settings.lastModified} />
                  </p>
                  <FlagEvaluationsLine projectKey={projectKey} envKey={envKey} flag={flag} />
                </div>
                <Field label="Comment for this change" className="grow">
                  {(control) => (
                    <input
                      {...control}
                      className="input"
                      value={comment}
                      onChange={(e) => setComment(e.target.value)}
                      placeholder="Why? Shown in the audit log and the room"
                      maxLength={1000}
                    />
                  )}
                </Field>
                <FlagSwitch flag={flag} envKey={envKey} env={environment} toggles={toggles} />
              </div>
              <ToggleOutcome toggles={toggles} />
              <ToggleConfirmation toggles={toggles} />
              <TargetingEditor
                key={`${flag.key}:${envKey}`}
                projectKey={projectKey}
                envKey={envKey}
                flag={flag}
                settings={settings}
                environment={project?.environments.find((e) => e.key === envKey)}
                onSaved={onChanged}
              />
            </section>
          )}

          <TryContext projectKey={projectKey} envKey={envKey} environments={envs} flag={flag} />

          <section className="card" aria-labelledby="variations-heading">
            <h2 id="variations-heading">Variations</h2>
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Name</th>
                    <th scope="col">Value</th>
                    <th scope="col">Description</th>
                  </tr>
                </thead>
                <tbody>
                  {flag.variations.map((v, index) => (
                    <tr key={v._id ?? index}>
                      <td className="numeric">{index}</td>
                      <td>{v.name ?? <span className="muted">—</span>}</td>
                      <td>
                        <code>{JSON.stringify(v.value)}</code>
                      </td>
                      <td>{v.description ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </>
  );
}
