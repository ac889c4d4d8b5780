import { createHmac } from 'node:crypto';
import type { AuditEntry } from '../../../audit/audit-model.js';
import {
  type ChannelTarget,
  classifyWith,
  type DeliveryChannel,
  type OutboundRequest,
  type SendContext,
  webhookStatusTable,
} from '../../../delivery/delivery-channel.js';
import type { WebhookConfig } from './webhook-config.js';
import { webhookSecretsOf } from './webhook-secrets.js';

/**
 * Signature headers for a body: LaunchDarkly's `X-LD-Signature` (hex HMAC-SHA256 of the raw
 * body) and Standard Webhooks' `webhook-id` / `webhook-timestamp` / `webhook-signature`
 * (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`). Both are keyed with the secret
 * exactly as shown at creation (its UTF-8 bytes), so one secret verifies both.
 */
export function signatureHeaders(
  body: string,
  secret: string,
  id: string,
  nowMs: number,
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000).toString();
  return {
    'x-ld-signature': createHmac('sha256', secret).update(body).digest('hex'),
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`,
  };
}

function request(target: ChannelTarget, body: string, context: SendContext): OutboundRequest {
  const config = target.config as WebhookConfig;
  const { url, signingSecret } = webhookSecretsOf(config, target.secret);
  return {
    url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Switchboard-Webhook/1',
      ...(config.sign && signingSecret !== undefined
        ? signatureHeaders(body, signingSecret, `msg_${context.deliveryId}`, context.now)
        : {}),
    },
    body,
  };
}

/** Webhooks: the audit entry itself as the JSON body. No throttle: the receiver is ours to size. */
export const webhookChannel: DeliveryChannel = {
  kind: 'webhook',
  limits: [],
  throttleKeys: () => [],
  buildRequest(target, entry, context) {
    return request(target, JSON.stringify(entry), context);
  },
  buildTestRequest(target, actorName, context) {
    const entry: Partial<AuditEntry> & { test: true } = {
      _id: '000000000000000000000000',
      date: context.now,
      kind: 'webhook',
      name: target.name,
      titleVerb: 'sent a test',
      title: `${actorName} sent a test for the webhook ${target.name}`,
      description: '',
      accesses: [],
      test: true,
    };
    return request(target, JSON.stringify(entry), context);
  },
  classify: (result, now) => classifyWith(webhookStatusTable, result, now),
};
