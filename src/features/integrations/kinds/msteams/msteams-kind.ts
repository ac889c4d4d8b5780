import { ValidationError } from '../../../../errors/app-errors.js';
import { secretMask } from '../../integration-model.js';
import { chatKind, checkConfigSchema, checkTemplate, checkUrl, secretOf } from '../kind.js';
import { teamsTemplateFlavor } from './msteams-card.js';
import { teamsChannel } from './msteams-channel.js';
import { TeamsConfigPostSchema, TeamsConfigStoredSchema } from './msteams-config.js';

/** How a change of each config field reads in the audit log. */
const labels = { fields: { template: 'the message template' }, secret: 'Workflows URL' };

/** Microsoft Teams through a Workflows webhook URL. */
export const teamsKind = chatKind({
  kind: 'msteams',
  label: 'Microsoft Teams',
  storedSchema: TeamsConfigStoredSchema,
  templateFlavor: teamsTemplateFlavor,
  // The URL is both the secret and the target: a new target is a new secret.
  secretPointers: ['/config/url'],
  parse(input, previous) {
    if (typeof input.url !== 'string') throw ValidationError.at('/config/url', 'is required');
    checkConfigSchema(TeamsConfigPostSchema, input);
    const template = checkTemplate(input, teamsTemplateFlavor);
    const secret = secretOf('/config/url', input.url, previous !== undefined);
    if (typeof secret === 'string') checkUrl('/config/url', secret, true);
    const config = template === undefined ? {} : { template };
    return {
      config,
      secret,
      targets: typeof secret === 'string' ? [{ pointer: '/config/url', url: secret }] : [],
    };
  },
  represent: (config) => ({ ...config, url: secretMask }),
  labels,
  describe: () => 'a Microsoft Teams workflow',
  channel: ({ baseUrl }) => teamsChannel({ baseUrl }),
});
