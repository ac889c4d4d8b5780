import { ValidationError } from '../../../../errors/app-errors.js';
import { mdValue } from '../../../audit/audit-builder.js';
import { secretMask } from '../../integration-model.js';
import { chatKind, checkConfigSchema, checkTemplate, checkUrl, secretOf } from '../kind.js';
import { hipChatChannel, hipChatTemplateFlavor } from './hipchat-channel.js';
import { HipChatConfigPostSchema, HipChatConfigStoredSchema } from './hipchat-config.js';

/** How a change of each config field reads in the audit log. */
const labels = {
  fields: { room: 'the room', server: 'the server', notify: 'notify', template: 'the message template' },
  secret: 'room token',
};

/** HipChat room notifications (HipChat API v2, cloud or Server / Data Center). */
export const hipChatKind = chatKind({
  kind: 'hipchat',
  label: 'HipChat',
  storedSchema: HipChatConfigStoredSchema,
  templateFlavor: hipChatTemplateFlavor,
  secretPointers: ['/config/token'],
  parse(input, previous) {
    if (typeof input.token !== 'string') throw ValidationError.at('/config/token', 'is required');
    checkConfigSchema(HipChatConfigPostSchema, input);
    const server =
      typeof input.server === 'string' && input.server !== ''
        ? checkUrl('/config/server', input.server).replace(/\/+$/, '')
        : undefined;
    const template = checkTemplate(input, hipChatTemplateFlavor);
    const config = {
      room: input.room,
      ...(server === undefined ? {} : { server }),
      notify: input.notify ?? false,
      ...(template === undefined ? {} : { template }),
    };
    // The server is where the token goes (absent: SWITCHBOARD_HIPCHAT_URL). The room is not:
    // a room notification token is refused by every other room of the same server.
    const secret = secretOf(
      '/config/token',
      input.token,
      previous !== undefined,
      previous !== undefined && server !== previous.config.server ? '/config/server' : undefined,
    );
    return {
      config,
      secret,
      // Checked when set or changed: an update that keeps the server (switching the integration
      // off, say) does not wait for a DNS lookup inside its transaction.
      targets:
        server === undefined || server === previous?.config.server
          ? []
          : [{ pointer: '/config/server', url: server }],
    };
  },
  represent: (config) => ({ ...config, token: secretMask }),
  labels,
  describe: (config) => `room ${mdValue(config.room)}`,
  channel: ({ config }) =>
    hipChatChannel({
      defaultServer: config.hipchatUrl,
      roomRate: config.hipchatRoomRate,
      tokenRate: config.hipchatTokenRate,
    }),
});
