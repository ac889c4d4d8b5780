import type { TSchema } from '@sinclair/typebox';
import { ValidationError } from '../../errors/app-errors.js';
import { checkSchema } from '../../shared/check-schema.js';
import { mdValue } from '../audit/audit-builder.js';
import { type TemplateFlavor, validateTemplate } from '../templates/message-template.js';
import { hipChatTemplateFlavor } from './channels/hipchat/hipchat-channel.js';
import { teamsTemplateFlavor } from './channels/msteams/msteams-channel.js';
import { slackTemplateFlavor } from './channels/slack/slack-channel.js';
import {
  HipChatConfigPostSchema,
  HipChatConfigStoredSchema,
  type IntegrationKind,
  SlackConfigPostSchema,
  SlackConfigStoredSchema,
  secretMask,
  TeamsConfigPostSchema,
  TeamsConfigStoredSchema,
} from './integration-model.js';

type Config = Record<string, unknown>;

/** What an API config becomes: the stored document's config and the secret (`keep` = unchanged). */
export interface ParsedConfig {
  readonly config: Config;
  readonly secret: string | { readonly keep: true };
  /** URLs to check against the SSRF guard at save time, with their pointers. */
  readonly targets: readonly { readonly pointer: string; readonly url: string }[];
}

/** Per kind: the API ↔ stored mapping of `config`, its secret, and how changes read in the audit log. */
export interface IntegrationKindSpec {
  readonly kind: IntegrationKind;
  readonly label: string;
  readonly storedSchema: TSchema;
  parse(input: Config, previous: Config | undefined): ParsedConfig;
  /** The API view: stored config with the secret field(s) masked. */
  represent(config: Config): Config;
  /** "room Ops", "channel #ops", … for "Added …". */
  describe(config: Config): string;
  /** How the secret reads in "Replaced the …". */
  readonly secretLabel: string;
  /** Where the secret field(s) sit in the API document, so audit entries can mask them. */
  readonly secretPointers: readonly string[];
  readonly fieldLabels: Readonly<Record<string, string>>;
}

function checkUrl(pointer: string, raw: string, httpsOnly = false): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ValidationError.at(pointer, 'not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw ValidationError.at(pointer, 'must be an http:// or https:// URL');
  if (httpsOnly && url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw ValidationError.at(pointer, 'must be an https:// URL');
  if (url.username !== '' || url.password !== '')
    throw ValidationError.at(pointer, 'must not contain credentials');
  return raw;
}

function checkTemplate(input: Config, flavor: TemplateFlavor): string | undefined {
  const template = input.template;
  if (template === undefined || template === '') return undefined;
  validateTemplate(template as string, flavor, '/config/template');
  return template as string;
}

function prefixed(schema: TSchema, value: unknown): void {
  try {
    checkSchema(schema, value);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(
        error.problems.map((p) => ({ ...p, pointer: `/config${p.pointer === '/' ? '' : p.pointer}` })),
      );
    throw error;
  }
}

/**
 * The secret a config gives, or `keep` for the mask. `movedBy` names the field that changed
 * where requests carrying the secret go: the mask cannot keep a secret across such a move, or
 * whoever may only edit the configuration could send the stored secret to a server of their own.
 */
function secretOf(
  pointer: string,
  value: unknown,
  hasPrevious: boolean,
  movedBy?: string,
): string | { keep: true } {
  if (typeof value !== 'string' || value === '') throw ValidationError.at(pointer, 'is required');
  if (value === secretMask) {
    if (!hasPrevious) throw ValidationError.at(pointer, 'is required (the mask keeps a stored value only)');
    if (movedBy !== undefined) throw ValidationError.at(pointer, `is required when ${movedBy} changes`);
    return { keep: true };
  }
  return value;
}

const hipchat: IntegrationKindSpec = {
  kind: 'hipchat',
  label: 'HipChat',
  storedSchema: HipChatConfigStoredSchema,
  secretLabel: 'room token',
  secretPointers: ['/config/token'],
  fieldLabels: { room: 'the room', server: 'the server', notify: 'notify', template: 'the message template' },
  parse(input, previous) {
    if (typeof input.token !== 'string') throw ValidationError.at('/config/token', 'is required');
    prefixed(HipChatConfigPostSchema, input);
    const server =
      typeof input.server === 'string' && input.server !== ''
        ? checkUrl('/config/server', input.server).replace(/\/+$/, '')
        : undefined;
    const template = checkTemplate(input, hipChatTemplateFlavor);
    return {
      config: {
        room: input.room,
        ...(server === undefined ? {} : { server }),
        notify: input.notify ?? false,
        ...(template === undefined ? {} : { template }),
      },
      // The server is where the token goes (absent: SWITCHBOARD_HIPCHAT_URL). The room is not:
      // a room notification token is refused by every other room of the same server.
      secret: secretOf(
        '/config/token',
        input.token,
        previous !== undefined,
        previous !== undefined && server !== previous.server ? '/config/server' : undefined,
      ),
      // Checked when set or changed: an update that keeps the server (switching the integration
      // off, say) does not wait for a DNS lookup inside its transaction.
      targets:
        server === undefined || server === previous?.server
          ? []
          : [{ pointer: '/config/server', url: server }],
    };
  },
  represent: (config) => ({ ...config, token: secretMask }),
  describe: (config) => `room ${mdValue(config.room)}`,
};

const slack: IntegrationKindSpec = {
  kind: 'slack',
  label: 'Slack',
  storedSchema: SlackConfigStoredSchema,
  secretLabel: 'Slack webhook URL or token',
  // An incoming-webhook URL is its own target; a bot token always goes to SWITCHBOARD_SLACK_API_URL
  // whatever the channel, and switching mode needs the other secret anyway.
  secretPointers: ['/config/webhookUrl', '/config/token'],
  fieldLabels: { mode: 'the delivery mode', channel: 'the channel', template: 'the message template' },
  parse(input, previous) {
    prefixed(SlackConfigPostSchema, input);
    const template = checkTemplate(input, slackTemplateFlavor);
    const extra = template === undefined ? {} : { template };
    if (input.webhookUrl !== undefined && input.token !== undefined)
      throw ValidationError.at('/config', 'give either webhookUrl or token + channel, not both');
    if (input.webhookUrl !== undefined) {
      if (input.channel !== undefined)
        throw ValidationError.at(
          '/config/channel',
          'an incoming webhook posts to its own channel; leave this out',
        );
      const keep = previous?.mode === 'webhook';
      const secret = secretOf('/config/webhookUrl', input.webhookUrl, keep);
      if (typeof secret === 'string') checkUrl('/config/webhookUrl', secret, true);
      return {
        config: { mode: 'webhook', ...extra },
        secret,
        targets: typeof secret === 'string' ? [{ pointer: '/config/webhookUrl', url: secret }] : [],
      };
    }
    if (input.token === undefined)
      throw ValidationError.at('/config/webhookUrl', 'is required (or token + channel)');
    if (input.channel === undefined) throw ValidationError.at('/config/channel', 'is required with a token');
    return {
      config: { mode: 'bot', channel: input.channel, ...extra },
      secret: secretOf('/config/token', input.token, previous?.mode === 'bot'),
      targets: [],
    };
  },
  represent: ({ mode, ...rest }) => ({
    ...rest,
    ...(mode === 'webhook' ? { webhookUrl: secretMask } : { token: secretMask }),
  }),
  describe: (config) =>
    config.mode === 'webhook' ? 'a Slack incoming webhook' : `Slack channel ${mdValue(config.channel)}`,
};

const msteams: IntegrationKindSpec = {
  kind: 'msteams',
  label: 'Microsoft Teams',
  storedSchema: TeamsConfigStoredSchema,
  secretLabel: 'Workflows URL',
  // The URL is both the secret and the target: a new target is a new secret.
  secretPointers: ['/config/url'],
  fieldLabels: { template: 'the message template' },
  parse(input, previous) {
    if (typeof input.url !== 'string') throw ValidationError.at('/config/url', 'is required');
    prefixed(TeamsConfigPostSchema, input);
    const template = checkTemplate(input, teamsTemplateFlavor);
    const secret = secretOf('/config/url', input.url, previous !== undefined);
    if (typeof secret === 'string') checkUrl('/config/url', secret, true);
    return {
      config: template === undefined ? {} : { template },
      secret,
      targets: typeof secret === 'string' ? [{ pointer: '/config/url', url: secret }] : [],
    };
  },
  represent: (config) => ({ ...config, url: secretMask }),
  describe: () => 'a Microsoft Teams workflow',
};

export const integrationKinds: Readonly<Record<IntegrationKind, IntegrationKindSpec>> = {
  hipchat,
  slack,
  msteams,
};
