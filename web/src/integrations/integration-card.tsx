import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { ChannelOps } from '../api';
import type { Connection, TestOutcome } from '../api-types';
import { paths } from '../router';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Link } from '../ui/link';
import { Switch } from '../ui/switch';
import { useOptimisticToggle } from '../ui/use-optimistic-toggle';
import { DeliveryLog } from './delivery-log';
import { IntegrationHealth } from './integration-health';
import type { KindInfo } from './kinds';
import { PolicySummary } from './policy-summary';
import { SendTest } from './send-test';

interface IntegrationCardProps<T extends Connection> {
  readonly kind: KindInfo;
  /** The endpoints of its kind. */
  readonly ops: ChannelOps<T>;
  readonly integration: T;
  /** Where it posts, under its name ("Room Ops", "Incoming webhook", the URL's host, …). */
  readonly detail: ReactNode;
  /** What deleting it stops, in the confirmation. */
  readonly deleteNote: ReactNode;
  /** Opened from a link to this integration: scrolled to, delivery log open. */
  readonly focused: boolean;
  readonly onChanged: (integration: T) => void;
  readonly onDeleted: (id: string) => void;
  readonly onStale: () => void;
  /** Shown between the header and the filter (e.g. a webhook's one-time secret). */
  readonly children?: ReactNode;
}

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

/** One integration of any kind: its switch, filter, health, test, edit, delete and delivery log. */
export function IntegrationCard<T extends Connection>({
  kind,
  ops,
  integration,
  detail,
  deleteNote,
  focused,
  onChanged,
  onDeleted,
  onStale,
  children,
}: IntegrationCardProps<T>) {
  const id = useId();
  const { name, _status: status } = integration;
  const [logOpen, setLogOpen] = useState(focused);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();
  const card = useRef<HTMLElement>(null);
  // A test's outcome belongs to the moment: switching or editing the integration drops it (the
  // delivery log keeps the test itself).
  const [test, setTest] = useState<TestOutcome>();
  const stateKey = `${integration.on}:${integration._version}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: stateKey is the trigger, not read
  useEffect(() => setTest(undefined), [stateKey]);
  const toggle = useOptimisticToggle(integration.on, async (on) => {
    onChanged(await ops.setOn(integration._id, on));
  });

  useEffect(() => {
    if (focused) card.current?.scrollIntoView({ block: 'start' });
  }, [focused]);

  const remove = async () => {
    setDeleting(true);
    try {
      await ops.remove(integration._id);
      setConfirming(false);
      onDeleted(integration._id);
    } catch (error) {
      setDeleteError(error);
      setConfirming(false);
    } finally {
      setDeleting(false);
    }
  };

  const state = toggle.checked ? 'on' : 'off';
  return (
    <article
      ref={card}
      className={`card integration-card${focused ? ' focused' : ''}${toggle.checked ? '' : ' is-off'}`}
      aria-labelledby={`${id}-name`}
    >
      <header className="card-header">
        <div className="integration-title">
          <span className={`logo logo-${kind.key}`} aria-hidden="true">
            {kind.logo}
          </span>
          <div>
            <h3 id={`${id}-name`}>{name}</h3>
            <p className="muted">{detail}</p>
          </div>
        </div>
        <div className="switch-cell">
          <Switch
            checked={toggle.checked}
            onToggle={toggle.toggle}
            busy={toggle.busy}
            label={`${name} notifications`}
            describedBy={toggle.error === undefined ? undefined : `${id}-switch-error`}
            refusals={toggle.refusals}
          />
        </div>
      </header>
      {toggle.error === undefined ? null : (
        <p className="alert alert-error switch-error" id={`${id}-switch-error`} role="alert">
          Not switched {toggle.checked ? 'off' : 'on'}: {sentence(toggle.error)} It is still {state}.
        </p>
      )}
      {children}
      <PolicySummary statements={integration.statements} />
      <IntegrationHealth
        status={status}
        kind={kind.key}
        answerer={kind.answerer}
        checkHint={kind.checkHint}
        testShownAt={test?.ok === false ? test.at : undefined}
      />
      <div className="card-actions">
        <SendTest
          key={stateKey}
          test={() => ops.test(integration._id)}
          kind={kind.key}
          answerer={kind.answerer}
          outcome={test}
          onTested={(outcome) => {
            setTest(outcome);
            if (outcome !== undefined) onStale();
          }}
        />
        <Link
          className="button"
          to={paths.editIntegration(integration._id, kind.key)}
          aria-label={`Edit ${name}`}
        >
          Edit
        </Link>
        <button
          type="button"
          className="button button-danger-quiet"
          onClick={() => setConfirming(true)}
          aria-label={`Delete ${name}`}
        >
          Delete
        </button>
        <button
          type="button"
          className="button button-quiet log-toggle"
          aria-expanded={logOpen}
          aria-controls={`${id}-log`}
          onClick={() => setLogOpen((open) => !open)}
        >
          {logOpen ? 'Hide delivery log' : 'Delivery log'}
          {status.pending > 0 ? <span className="count">{status.pending} waiting</span> : null}
        </button>
      </div>
      <ErrorMessage error={deleteError} title="Not deleted." />
      <div id={`${id}-log`} className="log-container">
        {logOpen ? (
          <DeliveryLog
            ops={ops}
            integrationId={integration._id}
            name={name}
            kind={kind.key}
            answerer={kind.answerer}
          />
        ) : null}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${name}?`}
        confirmLabel="Delete integration"
        busy={deleting}
        onConfirm={remove}
        onCancel={() => setConfirming(false)}
      >
        <p>
          {deleteNote} at once, and this integration’s delivery log is deleted with it. This cannot be undone.
        </p>
      </ConfirmDialog>
    </article>
  );
}
