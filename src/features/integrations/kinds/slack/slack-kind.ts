import { ValidationError } from '../../../../errors/app-errors.js';
import { mdValue } from '../../../audit/audit-builder.js';
import { secretMask } from '../../integration-model.js';
import { chatKind, checkConfigSchema, checkTemplate, checkUrl, secretOf } from '../kind.js';
import { slackChannel } from './slack-channel.js';
import { SlackConfigPostSchema, SlackConfigStoredSchema } from './slack-config.js';
import { slackTemplateFlavor } from './slack-message.js';

/** How a change of each config field reads in the audit log. */
const labels = {
  fields: { mode: 'the delivery mode', channel: 'the channel', template: 'the message template' },
  secret: 'Slack webhook URL or token',
};

/** Slack (and Mattermost / Rocket.Chat incoming webhooks): an incoming-webhook URL or a bot token + channel. */
export const slackKind = chatKind({
  kind: 'slack',
  label: 'Slack',
  storedSchema: SlackConfigStoredSchema,
  templateFlavor: slackTemplateFlavor,
  // An incoming-webhook URL is its own target; a bot token always goes to SWITCHBOARD_SLACK_API_URL
  // whatever the channel, and switching mode needs the other secret anyway.
  secretPointers: ['/config/webhookUrl', '/config/token'],
  parse(input, previous) {
    checkConfigSchema(SlackConfigPostSchema, input);
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
      const keep = previous?.config.mode === 'webhook';
      const secret = secretOf('/config/webhookUrl', input.webhookUrl, keep);
      if (typeof secret === 'string') checkUrl('/config/webhookUrl', secret, true);
      const config = { mode: 'webhook', ...extra };
      return {
        config,
        secret,
        targets: typeof secret === 'string' ? [{ pointer: '/config/webhookUrl', url: secret }] : [],
      };
    }
    if (input.token === undefined)
      throw ValidationError.at('/config/webhookUrl', 'is required (or token + channel)');
    if (input.channel === undefined) throw ValidationError.at('/config/channel', 'is required with a token');
    const config = { mode: 'bot', channel: input.channel, ...extra };
    const secret = secretOf('/config/token', input.token, previous?.config.mode === 'bot');
    return { config, secret, targets: [] };
  },
  represent: ({ mode, ...rest }) => ({
    ...rest,
    ...(mode === 'webhook' ? { webhookUrl: secretMask } : { token: secretMask }),
  }),
  labels,
  describe: (config) =>
    config.mode === 'webhook' ? 'a Slack incoming webhook' : `Slack channel ${mdValue(config.channel)}`,
  channel: ({ config }) => slackChannel({ apiUrl: config.slackApiUrl, channelRate: config.slackChannelRate }),
});
