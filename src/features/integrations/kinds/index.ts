import { hipChatKind } from './hipchat/hipchat-kind.js';
import type { IntegrationKindModule } from './kind.js';
import { teamsKind } from './msteams/msteams-kind.js';
import { slackKind } from './slack/slack-kind.js';
import { webhookKind } from './webhook/webhook-kind.js';

/**
 * Every integration kind Switchboard has: the only place outside a kind's own folder that names
 * it (docs/adding-an-integration-kind.md). The service, the routes and the composition root's
 * channel map all read this list.
 */
export const integrationKinds: readonly IntegrationKindModule[] = [
  hipChatKind,
  slackKind,
  teamsKind,
  webhookKind,
];

const byName = new Map(integrationKinds.map((kind) => [kind.kind, kind]));

export function kindNamed(kind: string): IntegrationKindModule | undefined {
  return byName.get(kind);
}
