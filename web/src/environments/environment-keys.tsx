import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../api';
import type { Environment } from '../api-types';
import { CopyButton } from './copy-button';
import { RotateKeyDialog } from './rotate-key-dialog';

/** What the API shows someone without viewSdkKey. */
const hidden = '********';

/** `sdk-…` and the last four characters: enough to tell keys apart, not enough to use one. */
export function maskedKey(key: string): string {
  const dash = key.indexOf('-');
  return `${dash < 0 ? '' : key.slice(0, dash + 1)}••••••••${key.slice(-4)}`;
}

type Which = 'apiKey' | 'mobileKey';

const whats: Readonly<Record<Which, { what: string; usedBy: string }>> = {
  apiKey: { what: 'SDK key', usedBy: 'Server-side SDKs. Keep it secret.' },
  mobileKey: { what: 'mobile key', usedBy: 'Mobile SDKs.' },
};

interface KeyRowProps {
  readonly projectKey: string;
  readonly env: Environment;
  readonly which: Which;
  readonly onRotated: (env: Environment, note: string) => void;
}

function KeyRow({ projectKey, env, which, onRotated }: KeyRowProps) {
  const id = useId();
  const value = env[which];
  const { what, usedBy } = whats[which];
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const field = useRef<HTMLInputElement>(null);
  const [revealed, setRevealed] = useState(false);
  const visible = value !== hidden;
  return (
    <div className="key-row">
      <dt id={`${id}-label`}>
        <span className="key-name">{what.charAt(0).toUpperCase() + what.slice(1)}</span>
        <span className="muted small">{usedBy}</span>
      </dt>
      <dd>
        {visible ? (
          <input
            ref={field}
            className="input key-value mono"
            readOnly
            aria-labelledby={`${id}-label`}
            value={revealed ? value : maskedKey(value)}
            onFocus={() => setRevealed(true)}
            onBlur={() => setRevealed(false)}
            spellCheck={false}
          />
        ) : (
          <span className="muted small">Hidden: you need viewSdkKey on this environment to see it.</span>
        )}
        <span className="key-actions">
          {visible ? (
            <CopyButton
              text={value}
              label={`Copy the ${what} of ${env.name}`}
              onFallback={() => {
                setRevealed(true);
                field.current?.focus();
                field.current?.select();
              }}
            />
          ) : null}
          <button
            type="button"
            className="button button-small button-quiet"
            aria-label={`Rotate the ${what} of ${env.name}`}
            onClick={() => {
              setError(undefined);
              setConfirming(true);
            }}
          >
            Rotate
          </button>
        </span>
      </dd>
      <RotateKeyDialog
        open={confirming}
        what={what}
        envName={env.name}
        busy={busy}
        error={error}
        onCancel={() => setConfirming(false)}
        onConfirm={async (graceMs) => {
          setBusy(true);
          setError(undefined);
          try {
            const expiry = graceMs > 0 ? Date.now() + graceMs : undefined;
            const updated = await api.environments.resetKey(projectKey, env.key, which, expiry);
            setConfirming(false);
            onRotated(
              updated,
              expiry === undefined
                ? `New ${what} for ${env.name}. The old one no longer works.`
                : `New ${what} for ${env.name}. The old one works until ${new Date(expiry).toLocaleString()}.`,
            );
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      />
    </div>
  );
}

interface EnvironmentKeysProps {
  readonly projectKey: string;
  readonly env: Environment;
  /** Opened from a link to this environment: scrolled to. */
  readonly focused: boolean;
  readonly onChanged: (env: Environment) => void;
}

/** One environment's credentials: SDK key and mobile key (masked, copy, rotate) and its client-side ID. */
export function EnvironmentKeys({ projectKey, env, focused, onChanged }: EnvironmentKeysProps) {
  const id = useId();
  const [note, setNote] = useState('');
  const card = useRef<HTMLElement>(null);
  useEffect(() => {
    if (focused) card.current?.scrollIntoView({ block: 'start' });
  }, [focused]);
  return (
    <section className="card env-keys" aria-labelledby={`${id}-title`} ref={card}>
      <h2 id={`${id}-title`} className="env-title">
        <span className="env-dot" style={{ background: `#${env.color}` }} aria-hidden="true" />
        {env.name} <code className="muted small">{env.key}</code>
      </h2>
      <dl className="key-list">
        {(['apiKey', 'mobileKey'] as const).map((which) => (
          <KeyRow
            key={which}
            projectKey={projectKey}
            env={env}
            which={which}
            onRotated={(updated, text) => {
              setNote(text);
              onChanged(updated);
            }}
          />
        ))}
        <div className="key-row">
          <dt id={`${id}-client`}>
            <span className="key-name">Client-side ID</span>
            <span className="muted small">Browser SDKs. Public: it goes in the page.</span>
          </dt>
          <dd>
            <input
              className="input key-value mono"
              readOnly
              aria-labelledby={`${id}-client`}
              value={env._id}
              spellCheck={false}
            />
            <span className="key-actions">
              <CopyButton text={env._id} label={`Copy the client-side ID of ${env.name}`} />
            </span>
          </dd>
        </div>
      </dl>
      <p className={note === '' ? 'visually-hidden' : 'alert alert-success'} role="status">
        {note}
      </p>
    </section>
  );
}
