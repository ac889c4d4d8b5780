import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../api';
import type { Integration } from '../api-types';
import { paths } from '../router';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Link } from '../ui/link';
import { Switch } from '../ui/switch';
import { useOptimisticToggle } from '../ui/use-optimistic-toggle';
import { DeliveryLog } from './delivery-log';
import { IntegrationHealth } from './integration-health';
import { PolicySummary } from './policy-summary';
import { SendTest } from './send-test';

interface IntegrationCardProps {
  readonly integration: Integration;
  /** Opened from a link to this integration: scrolled to, delivery log open. */
  readonly focused: boolean;
  readonly onChanged: (integration: Integration) => void;
  readonly onDeleted: (id: string) => void;
  readonly onStale: () => void;
}

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

function serverHost(server: string | undefined): string | undefined {
  if (server === undefined) return undefined;
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

/** One HipChat room: its switch, filter, health, test, edit, delete and delivery log. */
export function IntegrationCard({
  integration,
  focused,
  onChanged,
  onDeleted,
  onStale,
}: IntegrationCardProps) {
  const id = useId();
  const { name, config, _status: status } = integration;
  const [logOpen, setLogOpen] = useState(focused);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();
  const card = useRef<HTMLElement>(null);
  const toggle = useOptimisticToggle(integration.on, async (on) => {
    onChanged(await api.hipchat.setOn(integration._id, on));
  });

  useEffect(() => {
    if (focused) card.current?.scrollIntoView({ block: 'start' });
  }, [focused]);

  const remove = async () => {
    setDeleting(true);
    try {
      await api.hipchat.remove(integration._id);
      setConfirming(false);
      onDeleted(integration._id);
    } catch (error) {
      setDeleteError(error);
      setConfirming(false);
    } finally {
      setDeleting(false);
    }
  };

  const host = serverHost(config.server);
  const state = toggle.checked ? 'on' : 'off';
  return (
    <article
      ref={card}
      className={`card integration-card${focused ? ' focused' : ''}${toggle.checked ? '' : ' is-off'}`}
      aria-labelledby={`${id}-name`}
    >
      <header className="card-header">
        <div className="integration-title">
          <span className="logo logo-hipchat" aria-hidden="true">
            HC
          </span>
          <div>
            <h3 id={`${id}-name`}>{name}</h3>
            <p className="muted">
              Room <strong>{config.room}</strong>
              {host === undefined ? '' : ` on ${host}`}
              {config.notify ? ' · notifies members' : ''}
            </p>
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
      <PolicySummary statements={integration.statements} />
      <IntegrationHealth status={status} />
      <div className="card-actions">
        <SendTest integrationId={integration._id} onTested={onStale} />
        <Link className="button" to={paths.editIntegration(integration._id)} aria-label={`Edit ${name}`}>
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
        {logOpen ? <DeliveryLog integrationId={integration._id} name={name} /> : null}
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
          Room <strong>{config.room}</strong> stops receiving notifications at once, and this integration’s
          delivery log is deleted with it. This cannot be undone.
        </p>
      </ConfirmDialog>
    </article>
  );
}
