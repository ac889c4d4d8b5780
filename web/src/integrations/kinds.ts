import type { IntegrationKindKey } from '../router';

/** How a kind of delivery target reads in the UI: its logo, names and the words for its answers. */
export interface KindInfo {
  readonly key: IntegrationKindKey;
  /** "HipChat", "Slack", … */
  readonly label: string;
  readonly logo: string;
  readonly description: string;
  /** The heading of its list on the Integrations page. */
  readonly listTitle: string;
  readonly addLabel: string;
  /** Who answers a delivery: "HipChat", "Slack", "Teams", "The receiver". */
  readonly answerer: string;
  /** What to check when it is in error. */
  readonly checkHint: string;
}

export const kinds: Readonly<Record<IntegrationKindKey, KindInfo>> = {
  hipchat: {
    key: 'hipchat',
    label: 'HipChat',
    logo: 'HC',
    description: 'Room notifications for HipChat Cloud and HipChat Server / Data Center.',
    listTitle: 'HipChat rooms',
    addLabel: 'Add integration',
    answerer: 'HipChat',
    checkHint: 'Check the room and token, then send a test.',
  },
  slack: {
    key: 'slack',
    label: 'Slack',
    logo: 'S',
    description: 'Channel messages with Block Kit, by incoming webhook or bot token (also Mattermost).',
    listTitle: 'Slack',
    addLabel: 'Add integration',
    answerer: 'Slack',
    checkHint: 'Check the webhook URL or the bot token and channel, then send a test.',
  },
  msteams: {
    key: 'msteams',
    label: 'Microsoft Teams',
    logo: 'T',
    description: 'Adaptive Cards in a Teams channel, through a Workflows webhook.',
    listTitle: 'Microsoft Teams',
    addLabel: 'Add integration',
    answerer: 'Teams',
    checkHint: 'Check the workflow URL, then send a test.',
  },
  webhooks: {
    key: 'webhooks',
    label: 'Webhooks',
    logo: '{ }',
    description: 'Each change as JSON to your own endpoint, signed with HMAC-SHA256.',
    listTitle: 'Webhooks',
    addLabel: 'Add webhook',
    answerer: 'The receiver',
    checkHint: 'Check the URL and that the receiver accepts the request, then send a test.',
  },
};

export const kindOrder: readonly IntegrationKindKey[] = ['hipchat', 'slack', 'msteams', 'webhooks'];
