import { type ReactNode, useId } from 'react';
import { api } from '../api';
import type { Integration, SlackConfig, TeamsConfig, Webhook } from '../api-types';
import { Field } from '../ui/field';
import {
  commonPatch,
  type FormProps,
  IntegrationFormFrame,
  nameError,
  SecretField,
  secretMask,
  TemplateField,
  useIntegrationForm,
} from './form-kit';

const withTemplate = (template: string): { template?: string } =>
  template.trim() === '' ? {} : { template };

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
  const form = useIntegrationForm(existing?.statements, slackPointers, {
    name: existing?.name ?? '',
    mode: existingMode ?? ('webhook' as SlackMode),
    webhookUrl: '',
    token: '',
    channel: existing?.config.channel ?? '',
    template: existing?.config.template ?? '',
  });
  const { values, set, fieldErrors: errors } = form;
  const { mode, webhookUrl, token, channel, template } = values;
  // A stored secret is kept only while the mode stays the same.
  const keepsSecret = existing !== undefined && existingMode === mode;

  const submit = () =>
    form.submit(
      {
        name: nameError(values.name, '#ops'),
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
        const name = values.name.trim();
        const secret = (value: string) => (value.trim() === '' ? secretMask : value.trim());
        const config: SlackConfig =
          mode === 'webhook'
            ? { webhookUrl: secret(webhookUrl), ...withTemplate(template) }
            : { token: secret(token), channel: channel.trim(), ...withTemplate(template) };
        if (existing === undefined) {
          onSaved(await api.slack.create({ name, on: true, config, statements }));
          return;
        }
        const patch = commonPatch(existing, name, statements);
        const configChanged =
          mode !== existingMode ||
          (mode === 'webhook' ? webhookUrl.trim() !== '' : token.trim() !== '') ||
          (mode === 'bot' && channel.trim() !== existing.config.channel) ||
          (config.template ?? '') !== (existing.config.template ?? '');
        if (configChanged) patch.push({ op: 'replace', path: '/config', value: config });
        onSaved(patch.length === 0 ? existing : await api.slack.update(existing._id, patch));
      },
    );

  const modeChoice = (value: SlackMode, title: string, hint: ReactNode) => (
    <label className="checkbox">
      <input type="radio" name={`${id}-mode`} checked={mode === value} onChange={() => set('mode', value)} />
      <span>
        {title}
        <span className="hint block">{hint}</span>
      </span>
    </label>
  );

  return (
    <IntegrationFormFrame
      form={form}
      noun="a Slack integration"
      existingName={existing?.name}
      namePlaceholder="#ops"
      onSubmit={submit}
      onCancel={onCancel}
    >
      <fieldset className="field choice">
        <legend>How to post</legend>
        {modeChoice(
          'webhook',
          'Incoming webhook',
          'A Slack app’s incoming webhook; Mattermost and Rocket.Chat webhooks work too.',
        )}
        {modeChoice(
          'bot',
          'Bot token + channel',
          'Posts with chat.postMessage; invite the bot to the channel.',
        )}
      </fieldset>
      {mode === 'webhook' ? (
        <SecretField
          label="Webhook URL"
          hint="https://hooks.slack.com/services/…. Stored encrypted, never shown again."
          isNew={!keepsSecret}
          value={webhookUrl}
          error={errors.webhookUrl}
          placeholder="https://hooks.slack.com/services/…"
          onChange={(v) => set('webhookUrl', v)}
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
            onChange={(v) => set('token', v)}
          />
          <Field label="Channel" hint="Its name (#ops) or ID (C0123456)." error={errors.channel}>
            {(control) => (
              <input
                {...control}
                className="input"
                value={channel}
                onChange={(e) => set('channel', e.target.value)}
                autoComplete="off"
                maxLength={100}
              />
            )}
          </Field>
        </>
      )}
      <TemplateField value={template} error={errors.template} onChange={(v) => set('template', v)} />
    </IntegrationFormFrame>
  );
}

const teamsPointers = { name: '/name', url: '/config/url', template: '/config/template' } as const;

/** Add or edit a Microsoft Teams integration: a Workflows webhook URL. */
export function TeamsForm({ existing, onSaved, onCancel }: FormProps<Integration<TeamsConfig>>) {
  const form = useIntegrationForm(existing?.statements, teamsPointers, {
    name: existing?.name ?? '',
    url: '',
    template: existing?.config.template ?? '',
  });
  const { values, set, fieldErrors: errors } = form;
  const { url, template } = values;

  const submit = () =>
    form.submit(
      {
        name: nameError(values.name, 'the channel’s'),
        url: existing === undefined && url.trim() === '' ? 'Paste the workflow’s URL.' : undefined,
      },
      async (statements) => {
        const name = values.name.trim();
        const config: TeamsConfig = {
          url: url.trim() === '' ? secretMask : url.trim(),
          ...withTemplate(template),
        };
        if (existing === undefined) {
          onSaved(await api.msteams.create({ name, on: true, config, statements }));
          return;
        }
        const patch = commonPatch(existing, name, statements);
        if (url.trim() !== '' || (config.template ?? '') !== (existing.config.template ?? ''))
          patch.push({ op: 'replace', path: '/config', value: config });
        onSaved(patch.length === 0 ? existing : await api.msteams.update(existing._id, patch));
      },
    );

  return (
    <IntegrationFormFrame
      form={form}
      noun="a Microsoft Teams integration"
      existingName={existing?.name}
      namePlaceholder="Ops channel"
      onSubmit={submit}
      onCancel={onCancel}
    >
      <SecretField
        label="Workflow URL"
        hint="From the Teams workflow “Post to a channel when a webhook request is received”. Stored encrypted, never shown again."
        isNew={existing === undefined}
        value={url}
        error={errors.url}
        placeholder="https://…logic.azure.com/workflows/…"
        onChange={(v) => set('url', v)}
      />
      <TemplateField value={template} error={errors.template} onChange={(v) => set('template', v)} />
    </IntegrationFormFrame>
  );
}

const webhookPointers = { name: '/name', url: '/url', secret: '/secret' } as const;

/** Add or edit a webhook: the URL, whether to sign, and optionally the signing secret. */
export function WebhookForm({ existing, onSaved, onCancel }: FormProps<Webhook>) {
  const form = useIntegrationForm(existing?.statements, webhookPointers, {
    name: existing?.name ?? '',
    // Write-only, like the Slack and Teams URLs: empty when editing means "unchanged".
    url: '',
    sign: existing?.sign ?? true,
    secret: '',
  });
  const { values, set, fieldErrors: errors } = form;
  const { url, sign, secret } = values;

  const submit = () =>
    form.submit(
      {
        name: nameError(values.name, 'Deploy bot'),
        url:
          existing === undefined && url.trim() === '' ? 'Enter the URL to send each change to.' : undefined,
        // A signed webhook keeps its secret only while it posts where it did.
        secret:
          existing?.sign === true && sign && url.trim() !== '' && secret === ''
            ? 'Enter the signing secret again (or a new one): it is only used with the URL it was given for.'
            : undefined,
      },
      async (statements) => {
        const name = values.name.trim();
        const newSecret = sign && secret !== '' ? secret : undefined;
        if (existing === undefined) {
          onSaved(
            await api.webhooks.create({
              name,
              url: url.trim(),
              sign,
              on: true,
              statements,
              ...(newSecret === undefined ? {} : { secret: newSecret }),
            }),
          );
          return;
        }
        const patch = commonPatch(existing, name, statements);
        if (url.trim() !== '') patch.push({ op: 'replace', path: '/url', value: url.trim() });
        if (sign !== existing.sign) patch.push({ op: 'replace', path: '/sign', value: sign });
        if (newSecret !== undefined) patch.push({ op: 'replace', path: '/secret', value: newSecret });
        onSaved(patch.length === 0 ? existing : await api.webhooks.update(existing._id, patch));
      },
    );

  return (
    <IntegrationFormFrame
      form={form}
      noun="a webhook"
      existingName={existing?.name}
      namePlaceholder="Deploy bot"
      addLabel="Add webhook"
      where="Where to send"
      onSubmit={submit}
      onCancel={onCancel}
    >
      <SecretField
        label="URL"
        hint="Each change is POSTed here as JSON (the audit entry). Stored encrypted, never shown again."
        isNew={existing === undefined}
        value={url}
        error={errors.url}
        placeholder="https://ci.example.com/hooks/switchboard"
        onChange={(v) => set('url', v)}
      />
      <label className="checkbox">
        <input type="checkbox" checked={sign} onChange={(e) => set('sign', e.target.checked)} />
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
            existing?.sign === true
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
              onChange={(e) => set('secret', e.target.value)}
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
