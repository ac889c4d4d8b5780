import { useId, useState } from 'react';
import { api } from '../api';
import type {
  Integration,
  JsonPatchOperation,
  PolicyStatement,
  SlackConfig,
  TeamsConfig,
  Webhook,
} from '../api-types';
import { Field } from '../ui/field';
import { IntegrationFormFrame, NameField, SecretField, TemplateField, useIntegrationForm } from './form-kit';

/** What the API answers in place of a stored secret; sending it back keeps the secret. */
const secretMask = '********';

interface FormProps<T> {
  /** The integration to edit; absent to add one. */
  readonly existing?: T;
  readonly onSaved: (saved: T) => void;
  readonly onCancel: () => void;
}

const sameStatements = (a: readonly PolicyStatement[], b: readonly PolicyStatement[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** The patch for what every kind shares: the name and the policy filter. */
function commonPatch(
  existing: { readonly name: string; readonly statements: readonly PolicyStatement[] },
  name: string,
  statements: readonly PolicyStatement[],
): JsonPatchOperation[] {
  const patch: JsonPatchOperation[] = [];
  if (name !== existing.name) patch.push({ op: 'replace', path: '/name', value: name });
  if (!sameStatements(statements, existing.statements))
    patch.push({ op: 'replace', path: '/statements', value: statements });
  return patch;
}

const withTemplate = (template: string): { template?: string } =>
  template.trim() === '' ? {} : { template };

const nameError = (name: string, example: string) =>
  name.trim() === '' ? `Give the integration a name, e.g. ${example}.` : undefined;

type SlackMode = 'webhook' | 'bot';

const slackPointers = {
  name: '/name',
  webhookUrl: '/config/webhookUrl',
  token: '/config/token',
  channel: '/config/channel',
  template: '/config/template',
} as const;

/** Add or edit a Slack integration: an incoming webhook, or a bot token and a channel. */
export function SlackForm({ existing, onSaved, onCancel }: FormProps<Integration<SlackConfig>>) {
  const id = useId();
  const existingMode: SlackMode | undefined =
    existing === undefined ? undefined : existing.config.webhookUrl !== undefined ? 'webhook' : 'bot';
  const [name, setName] = useState(existing?.name ?? '');
  const [mode, setMode] = useState<SlackMode>(existingMode ?? 'webhook');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [token, setToken] = useState('');
  const [channel, setChannel] = useState(existing?.config.channel ?? '');
  const [template, setTemplate] = useState(existing?.config.template ?? '');
  const form = useIntegrationForm(existing?.statements, slackPointers);
  const errors = form.fieldErrors;
  // A stored secret is kept only while the mode stays the same.
  const keepsSecret = existing !== undefined && existingMode === mode;

  const submit = () =>
    form.submit(
      {
        name: nameError(name, '#ops'),
        webhookUrl:
          mode === 'webhook' && webhookUrl.trim() === '' && !keepsSecret
            ? 'Paste the incoming webhook URL.'
            : undefined,
        token:
          mode === 'bot' && token.trim() === '' && !keepsSecret ? 'Paste the bot token (xoxb-…).' : undefined,
        channel:
          mode === 'bot' && channel.trim() === '' ? 'Enter the channel, e.g. #ops or C0123456.' : undefined,
      },
      async (statements) => {
        const secret = (value: string) => (value.trim() === '' ? secretMask : value.trim());
        const config: SlackConfig =
          mode === 'webhook'
            ? { webhookUrl: secret(webhookUrl), ...withTemplate(template) }
            : { token: secret(token), channel: channel.trim(), ...withTemplate(template) };
        if (existing === undefined) {
          onSaved(await api.slack.create({ name: name.trim(), on: true, config, statements }));
          return;
        }
        const patch = commonPatch(existing, name.trim(), statements);
        const configChanged =
          mode !== existingMode ||
          (mode === 'webhook' ? webhookUrl.trim() !== '' : token.trim() !== '') ||
          (mode === 'bot' && channel.trim() !== existing.config.channel) ||
          (config.template ?? '') !== (existing.config.template ?? '');
        if (configChanged) patch.push({ op: 'replace', path: '/config', value: config });
        onSaved(patch.length === 0 ? existing : await api.slack.update(existing._id, patch));
      },
    );

  return (
    <IntegrationFormFrame
      form={form}
      label={existing === undefined ? 'Add a Slack integration' : `Edit ${existing.name}`}
      isNew={existing === undefined}
      onSubmit={() => void submit()}
      onCancel={onCancel}
    >
      <NameField
        value={name}
        error={errors.name}
        placeholder="#ops"
        onChange={(v) => {
          setName(v);
          form.touched('name');
        }}
      />
      <fieldset className="field choice">
        <legend>How to post</legend>
        <label className="checkbox">
          <input
            type="radio"
            name={`${id}-mode`}
            checked={mode === 'webhook'}
            onChange={() => {
              setMode('webhook');
              form.touched();
            }}
          />
          <span>
            Incoming webhook
            <span className="hint block">
              A Slack app’s incoming webhook; Mattermost and Rocket.Chat webhooks work too.
            </span>
          </span>
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name={`${id}-mode`}
            checked={mode === 'bot'}
            onChange={() => {
              setMode('bot');
              form.touched();
            }}
          />
          <span>
            Bot token + channel
            <span className="hint block">Posts with chat.postMessage; invite the bot to the channel.</span>
          </span>
        </label>
      </fieldset>
      {mode === 'webhook' ? (
        <SecretField
          label="Webhook URL"
          hint="https://hooks.slack.com/services/…. Stored encrypted, never shown again."
          isNew={!keepsSecret}
          value={webhookUrl}
          error={errors.webhookUrl}
          placeholder="https://hooks.slack.com/services/…"
          onChange={(v) => {
            setWebhookUrl(v);
            form.touched('webhookUrl');
          }}
        />
      ) : (
        <>
          <SecretField
            label="Bot token"
            hint="A bot token (xoxb-…) with the chat:write scope. Stored encrypted, never shown again."
            isNew={!keepsSecret}
            value={token}
            error={errors.token}
            placeholder="xoxb-…"
            onChange={(v) => {
              setToken(v);
              form.touched('token');
            }}
          />
          <Field label="Channel" hint="Its name (#ops) or ID (C0123456)." error={errors.channel}>
            {(control) => (
              <input
                {...control}
                className="input"
                value={channel}
                onChange={(e) => {
                  setChannel(e.target.value);
                  form.touched('channel');
                }}
                autoComplete="off"
                maxLength={100}
              />
            )}
          </Field>
        </>
      )}
      <TemplateField
        value={template}
        error={errors.template}
        onChange={(v) => {
          setTemplate(v);
          form.touched('template');
        }}
      />
    </IntegrationFormFrame>
  );
}

const teamsPointers = { name: '/name', url: '/config/url', template: '/config/template' } as const;

/** Add or edit a Microsoft Teams integration: a Workflows webhook URL. */
export function TeamsForm({ existing, onSaved, onCancel }: FormProps<Integration<TeamsConfig>>) {
  const [name, setName] = useState(existing?.name ?? '');
  const [url, setUrl] = useState('');
  const [template, setTemplate] = useState(existing?.config.template ?? '');
  const form = useIntegrationForm(existing?.statements, teamsPointers);
  const errors = form.fieldErrors;

  const submit = () =>
    form.submit(
      {
        name: nameError(name, 'the channel’s'),
        url: existing === undefined && url.trim() === '' ? 'Paste the workflow’s URL.' : undefined,
      },
      async (statements) => {
        const config: TeamsConfig = {
          url: url.trim() === '' ? secretMask : url.trim(),
          ...withTemplate(template),
        };
        if (existing === undefined) {
          onSaved(await api.msteams.create({ name: name.trim(), on: true, config, statements }));
          return;
        }
        const patch = commonPatch(existing, name.trim(), statements);
        if (url.trim() !== '' || (config.template ?? '') !== (existing.config.template ?? ''))
          patch.push({ op: 'replace', path: '/config', value: config });
        onSaved(patch.length === 0 ? existing : await api.msteams.update(existing._id, patch));
      },
    );

  return (
    <IntegrationFormFrame
      form={form}
      label={existing === undefined ? 'Add a Microsoft Teams integration' : `Edit ${existing.name}`}
      isNew={existing === undefined}
      onSubmit={() => void submit()}
      onCancel={onCancel}
    >
      <NameField
        value={name}
        error={errors.name}
        placeholder="Ops channel"
        onChange={(v) => {
          setName(v);
          form.touched('name');
        }}
      />
      <SecretField
        label="Workflow URL"
        hint="From the Teams workflow “Post to a channel when a webhook request is received”. Stored encrypted, never shown again."
        isNew={existing === undefined}
        value={url}
        error={errors.url}
        placeholder="https://…logic.azure.com/workflows/…"
        onChange={(v) => {
          setUrl(v);
          form.touched('url');
        }}
      />
      <TemplateField
        value={template}
        error={errors.template}
        onChange={(v) => {
          setTemplate(v);
          form.touched('template');
        }}
      />
    </IntegrationFormFrame>
  );
}

const webhookPointers = { name: '/name', url: '/url', secret: '/secret' } as const;

/** Add or edit a webhook: the URL, whether to sign, and optionally the signing secret. */
export function WebhookForm({ existing, onSaved, onCancel }: FormProps<Webhook>) {
  const [name, setName] = useState(existing?.name ?? '');
  const [url, setUrl] = useState(existing?.url ?? '');
  const [sign, setSign] = useState(existing?.sign ?? true);
  const [secret, setSecret] = useState('');
  const form = useIntegrationForm(existing?.statements, webhookPointers);
  const errors = form.fieldErrors;

  const submit = () =>
    form.submit(
      {
        name: nameError(name, 'Deploy bot'),
        url: url.trim() === '' ? 'Enter the URL to send each change to.' : undefined,
      },
      async (statements) => {
        const newSecret = sign && secret !== '' ? secret : undefined;
        if (existing === undefined) {
          onSaved(
            await api.webhooks.create({
              name: name.trim(),
              url: url.trim(),
              sign,
              on: true,
              statements,
              ...(newSecret === undefined ? {} : { secret: newSecret }),
            }),
          );
          return;
        }
        const patch = commonPatch(existing, name.trim(), statements);
        if (url.trim() !== existing.url) patch.push({ op: 'replace', path: '/url', value: url.trim() });
        if (sign !== existing.sign) patch.push({ op: 'replace', path: '/sign', value: sign });
        if (newSecret !== undefined) patch.push({ op: 'replace', path: '/secret', value: newSecret });
        onSaved(patch.length === 0 ? existing : await api.webhooks.update(existing._id, patch));
      },
    );

  return (
    <IntegrationFormFrame
      form={form}
      label={existing === undefined ? 'Add a webhook' : `Edit ${existing.name}`}
      isNew={existing === undefined}
      addLabel="Add webhook"
      where="Where to send"
      onSubmit={() => void submit()}
      onCancel={onCancel}
    >
      <NameField
        value={name}
        error={errors.name}
        placeholder="Deploy bot"
        onChange={(v) => {
          setName(v);
          form.touched('name');
        }}
      />
      <Field label="URL" hint="Each change is POSTed here as JSON (the audit entry)." error={errors.url}>
        {(control) => (
          <input
            {...control}
            className="input"
            type="url"
            inputMode="url"
            value={url}
            onChange={(e) => {
              setUrl(e.target.value);
              form.touched('url');
            }}
            placeholder="https://ci.example.com/hooks/switchboard"
            autoComplete="off"
            spellCheck={false}
            maxLength={2048}
          />
        )}
      </Field>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={sign}
          onChange={(e) => {
            setSign(e.target.checked);
            form.touched();
          }}
        />
        <span>
          Sign requests
          <span className="hint block">
            X-LD-Signature (HMAC-SHA256 of the body) and the Standard Webhooks headers.
          </span>
        </span>
      </label>
      {sign ? (
        <Field
          label={
            <>
              Signing secret <span className="optional">optional</span>
            </>
          }
          hint={
            existing === undefined
              ? 'Leave empty and Switchboard generates one; it is shown once, after saving.'
              : existing.sign
                ? 'Leave empty to keep the stored secret; a new one replaces it.'
                : 'Leave empty and Switchboard generates one; it is shown once, after saving.'
          }
          error={errors.secret}
        >
          {(control) => (
            <input
              {...control}
              className="input"
              type="password"
              value={secret}
              onChange={(e) => {
                setSecret(e.target.value);
                form.touched('secret');
              }}
              placeholder={existing?.sign === true ? 'unchanged' : 'generated'}
              autoComplete="new-password"
              spellCheck={false}
              maxLength={256}
            />
          )}
        </Field>
      ) : null}
    </IntegrationFormFrame>
  );
}
