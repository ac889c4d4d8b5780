import { useCallback, useEffect, useState } from 'react';
import { ApiError, api } from '../../api';
import type { Environment, Flag, FlagEnvironment } from '../../api-types';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { usePolled } from '../../ui/use-polled';
import { asksConfirmation, commentProblem, confirmationReason } from '../change-rules';
import { envPointer, useWriteAccess } from '../use-write-access';
import { type Conflict, PendingChange } from './pending-change';
import { PrerequisitesEditor } from './prerequisites-editor';
import { RulesEditor } from './rules-editor';
import { ServeEditor, VariationSelect } from './serve-editor';
import {
  changedFields,
  draftOf,
  draftPatch,
  draftProblems,
  forDiff,
  type TargetingDraft,
} from './targeting-draft';
import { TargetsEditor } from './targets-editor';
import './targeting.css';

interface TargetingEditorProps {
  readonly projectKey: string;
  readonly envKey: string;
  readonly flag: Flag;
  readonly settings: FlagEnvironment;
  /** The environment's own settings (requireComments, confirmChanges), once loaded. */
  readonly environment: Environment | undefined;
  readonly onSaved: (flag: Flag) => void;
}

/** Where the draft started: the configuration and version the person opened. */
interface Opened {
  readonly version: number;
  readonly base: TargetingDraft;
}

/**
 * The targeting of one flag in one environment, editable: every edit collects into one pending
 * change, shown before → after and saved in one request (with the version it started from, so a
 * change made by someone else meanwhile is a conflict, never overwritten).
 */
export function TargetingEditor(props: TargetingEditorProps) {
  const { projectKey, envKey, flag, settings, environment, onSaved } = props;
  const envName = settings._environmentName;
  const [opened, setOpened] = useState<Opened>(() => ({
    version: settings.version,
    base: draftOf(settings),
  }));
  const [draft, setDraft] = useState<TargetingDraft>(opened.base);
  const [comment, setComment] = useState('');
  const [commentError, setCommentError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const [conflict, setConflict] = useState<Conflict>();
  const [confirming, setConfirming] = useState(false);
  const [saved, setSaved] = useState(false);
  const access = useWriteAccess(
    projectKey,
    flag.key,
    [{ op: 'add', path: envPointer(envKey, 'rules/-'), value: { clauses: [], variation: 0 } }],
    `change this flag's targeting in ${envName}`,
  );
  const readOnly = access.kind !== 'writable';

  const dirty = changedFields(opened.base, draft).length > 0;
  const restart = useCallback((from: FlagEnvironment) => {
    const base = draftOf(from);
    setOpened({ version: from.version, base });
    setDraft(base);
    setConflict(undefined);
    setError(undefined);
  }, []);

  // Until the person edits, the editor follows the flag as it is polled; after, it stays on what they opened.
  useEffect(() => {
    if (!dirty && settings.version !== opened.version) restart(settings);
  }, [dirty, settings, opened.version, restart]);

  const loadSegments = useCallback(() => api.segments.list(projectKey, envKey), [projectKey, envKey]);
  const segments = usePolled(`segments:${projectKey}:${envKey}`, loadSegments);
  const loadFlags = useCallback(() => api.flags.list(projectKey), [projectKey]);
  const flags = usePolled(`flags:${projectKey}`, loadFlags);

  const edit = (change: Partial<TargetingDraft>) => {
    setSaved(false);
    setError(undefined);
    setDraft((d) => ({ ...d, ...change }));
  };
  const problems = draftProblems(draft, flag.variations.length);
  const blocked = problems.length === 0 ? undefined : `Fix first: ${problems[0]?.message}`;

  const save = async () => {
    setConfirming(false);
    setSaving(true);
    try {
      const updated = await api.flags.patch(
        projectKey,
        flag.key,
        draftPatch(envKey, opened.version, opened.base, draft),
        comment,
      );
      const now = updated.environments[envKey];
      if (now !== undefined) restart(now);
      setComment('');
      setSaved(true);
      onSaved(updated);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        // Who changed it: the newest audit entry for this flag in this environment.
        const spec = `proj/${projectKey}:env/${envKey}:flag/${flag.key}`;
        const latest = await api.auditLog.list({ spec, limit: 1 }).then(
          (page) => page.items[0],
          () => undefined,
        );
        setConflict({ latest });
      } else setError(e);
    } finally {
      setSaving(false);
    }
  };

  const requestSave = () => {
    const problem = commentProblem(environment, envName, comment);
    setCommentError(problem);
    if (problem !== undefined) return;
    if (asksConfirmation(environment)) setConfirming(true);
    else void save();
  };

  const reload = async () => {
    try {
      const fresh = await api.flags.get(projectKey, flag.key);
      onSaved(fresh);
      const now = fresh.environments[envKey];
      if (now !== undefined) restart(now);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="targeting">
      {access.kind === 'read-only' ? (
        <p className="alert alert-info" role="note">
          <strong>Read only. </strong>
          {access.reason}
        </p>
      ) : null}
      {saved && !dirty ? (
        <p className="alert alert-success" role="status">
          Saved the targeting in {envName}.
        </p>
      ) : null}
      {dirty && settings.version !== opened.version && conflict === undefined ? (
        <p className="alert alert-info" role="status">
          Someone changed this flag in {envName} since you opened it; saving will be refused.{' '}
          <button type="button" className="button button-small" onClick={() => void reload()}>
            Reload
          </button>
        </p>
      ) : null}
      <TargetsEditor
        flag={flag}
        targets={draft.targets}
        disabled={readOnly}
        onChange={(targets) => edit({ targets })}
      />
      <RulesEditor
        flag={flag}
        rules={draft.rules}
        segments={segments.data?.items ?? []}
        disabled={readOnly}
        problems={problems}
        onChange={(rules) => edit({ rules })}
      />
      <section className="targeting-section" aria-labelledby="default-rule-heading">
        <h3 id="default-rule-heading">Default rule</h3>
        <p className="muted small">Served while the flag is on, when no target or rule matches.</p>
        <ServeEditor
          flag={flag}
          serve={draft.fallthrough}
          label="Default rule"
          disabled={readOnly}
          onChange={(fallthrough) => edit({ fallthrough })}
        />
      </section>
      <section className="targeting-section" aria-labelledby="off-variation-heading">
        <h3 id="off-variation-heading">Off variation</h3>
        <p className="muted small">Served while the flag is off, or a prerequisite is not met.</p>
        <VariationSelect
          flag={flag}
          value={draft.offVariation}
          label="Off variation"
          disabled={readOnly}
          onChange={(offVariation) => edit({ offVariation })}
        />
      </section>
      <PrerequisitesEditor
        flag={flag}
        flags={flags.data?.items ?? []}
        prerequisites={draft.prerequisites}
        disabled={readOnly}
        onChange={(prerequisites) => edit({ prerequisites })}
      />
      {dirty ? (
        <PendingChange
          before={forDiff(opened.base)}
          after={forDiff(draft)}
          envName={envName}
          comment={comment}
          onComment={(c) => {
            setComment(c);
            setCommentError(undefined);
          }}
          commentRequired={environment?.requireComments === true}
          commentError={commentError}
          blocked={blocked}
          saving={saving}
          error={error}
          conflict={conflict}
          onSave={requestSave}
          onDiscard={() => restart(settings)}
          onReload={() => void reload()}
        />
      ) : null}
      <ConfirmDialog
        open={confirming}
        title={`Save the targeting change in ${envName}?`}
        confirmLabel={`Save in ${envName}`}
        busy={saving}
        onConfirm={() => void save()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          {confirmationReason(environment, envName)} It takes effect for every SDK connected to {envName} at
          once.
        </p>
      </ConfirmDialog>
    </div>
  );
}
