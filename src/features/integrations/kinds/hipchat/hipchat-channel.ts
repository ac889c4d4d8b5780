import { cached } from '../../../../shared/bounded-cache.js';
import type { AuditEntry } from '../../../audit/audit-model.js';
import { type DeliveryChannel, fingerprint } from '../../../delivery/delivery-channel.js';
import { TemplateCache, type TemplateFlavor } from '../../../templates/message-template.js';
import { TemplateError } from '../../../templates/template-error.js';
import { buildHipChatRequest, classifyHipChatResult } from './hipchat-client.js';
import type { HipChatConfig } from './hipchat-config.js';
import {
  type HipChatMessage,
  hipChatMessageLimit,
  renderHipChatMessage,
  renderHipChatTestMessage,
} from './hipchat-message.js';

/** Entries kept by each of the channel's small caches (rendered messages, token fingerprints). */
const cacheSize = 256;

export const hipChatTemplateFlavor: TemplateFlavor = {
  target: 'html',
  messageLimit: { characters: hipChatMessageLimit, channel: 'HipChat' },
};

export interface HipChatChannelOptions {
  readonly defaultServer: string;
  /** Messages per minute per room (0 = no throttle). */
  readonly roomRate: number;
  /** Requests per 5 minutes per token (0 = no throttle). */
  readonly tokenRate: number;
}

/** HipChat room notifications: 30/min per room, 500/5 min per token (reference/hipchat.md). */
export function hipChatChannel(options: HipChatChannelOptions): DeliveryChannel {
  const templates = new TemplateCache(hipChatTemplateFlavor);
  // A change that 100 rooms hear is rendered once, not 100 times (an audit entry never
  // changes; `notify` is the only option that shapes the message). Bounded, oldest out first.
  const rendered = new Map<string, HipChatMessage>();
  const fingerprints = new Map<string, string>();
  const render = (entry: AuditEntry, notify: boolean): HipChatMessage =>
    cached(rendered, `${entry._id}\u0000${notify}`, cacheSize, () => renderHipChatMessage(entry, { notify }));
  const config = (c: Readonly<Record<string, unknown>>) => c as HipChatConfig;
  const server = (c: HipChatConfig) => c.server ?? options.defaultServer;
  return {
    kind: 'hipchat',
    limits: [
      { limiter: 'hipchat-room', limit: options.roomRate, windowMs: 60_000 },
      { limiter: 'hipchat-token', limit: options.tokenRate, windowMs: 5 * 60_000 },
    ],
    throttleKeys(target) {
      const c = config(target.config);
      const secret = target.secret ?? '';
      // Hashed once per token, not once per send.
      const tokenKey = cached(fingerprints, secret, cacheSize, () => fingerprint(secret));
      return [
        { limiter: 'hipchat-room', key: `${server(c)}\u0000${c.room}` },
        { limiter: 'hipchat-token', key: tokenKey },
      ];
    },
    buildRequest(target, entry) {
      const c = config(target.config);
      const message = render(entry, c.notify);
      if (c.template !== undefined) {
        const html = templates.render(c.template, entry);
        if (html.trim() === '') throw new TemplateError('the template rendered an empty message');
        return buildHipChatRequest(
          { server: server(c), room: c.room, token: target.secret ?? '' },
          { ...message, message: html },
        );
      }
      return buildHipChatRequest({ server: server(c), room: c.room, token: target.secret ?? '' }, message);
    },
    buildTestRequest(target, actorName) {
      const c = config(target.config);
      return buildHipChatRequest(
        { server: server(c), room: c.room, token: target.secret ?? '' },
        renderHipChatTestMessage(target.name, actorName),
      );
    },
    classify: classifyHipChatResult,
  };
}
