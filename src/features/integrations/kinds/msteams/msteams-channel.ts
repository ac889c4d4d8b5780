import {
  type ChannelTarget,
  classifyWith,
  type DeliveryChannel,
  type OutboundRequest,
  webhookStatusTable,
} from '../../../delivery/delivery-channel.js';
import { TemplateCache } from '../../../templates/message-template.js';
import {
  type AdaptiveCard,
  card,
  escapeTeams,
  renderTeamsCard,
  teamsEnvelope,
  teamsTemplateFlavor,
} from './msteams-card.js';
import type { TeamsConfig } from './msteams-config.js';

/** Microsoft Teams through a Workflows webhook URL (the Office 365 connectors are retired). */
export function teamsChannel(options: { readonly baseUrl?: () => string } = {}): DeliveryChannel {
  const templates = new TemplateCache(teamsTemplateFlavor);
  const build = (target: ChannelTarget, content: AdaptiveCard): OutboundRequest => ({
    url: target.secret ?? '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsEnvelope(content)),
  });
  return {
    kind: 'msteams',
    limits: [],
    throttleKeys: () => [],
    buildRequest(target, entry) {
      const c = target.config as TeamsConfig;
      return build(
        target,
        c.template === undefined
          ? renderTeamsCard(entry, options.baseUrl?.())
          : (JSON.parse(templates.render(c.template, entry)) as AdaptiveCard),
      );
    },
    buildTestRequest(target, actorName) {
      return build(
        target,
        card([
          {
            type: 'TextBlock',
            wrap: true,
            text: `**${escapeTeams(actorName)}** sent a test notification for the integration **${escapeTeams(target.name)}**. Changes that match its policy will appear in this channel.`,
          },
        ]),
      );
    },
    classify: (result, now) => classifyWith(webhookStatusTable, result, now),
  };
}
