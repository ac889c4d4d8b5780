import {
  bodySays,
  type ChannelTarget,
  classifyWith,
  type DeliveryChannel,
  type DeliveryOutcome,
  decide,
  fingerprint,
  type OutboundRequest,
  reasonFor,
  retryAfterAt,
  row,
  type StatusRow,
} from '../../../delivery/delivery-channel.js';
import type { HttpResult } from '../../../delivery/outbound-http.js';
import { TemplateCache } from '../../../templates/message-template.js';
import type { SlackConfig } from './slack-config.js';
import { escapeSlack, renderSlackMessage, slackTemplateFlavor } from './slack-message.js';

export interface SlackChannelOptions {
  /** `https://slack.com` (SWITCHBOARD_SLACK_API_URL); chat.postMessage lives under `/api/`. */
  readonly apiUrl: string;
  /** Messages per second per channel; Slack allows about one (0 = no throttle). */
  readonly channelRate: number;
}

/** Slack's `{"ok":false,"error":…}` (Web API, answered with 200) and incoming-webhook body texts. */
const slackErrors: Readonly<Record<string, 'retry' | 'permanent' | 'auth'>> = {
  ratelimited: 'retry',
  rate_limited: 'retry',
  internal_error: 'retry',
  fatal_error: 'retry',
  service_unavailable: 'retry',
  request_timeout: 'retry',
  rollup_error: 'retry',
  invalid_auth: 'auth',
  not_authed: 'auth',
  token_revoked: 'auth',
  token_expired: 'auth',
  account_inactive: 'auth',
  missing_scope: 'auth',
  no_permission: 'auth',
  invalid_token: 'auth',
  channel_not_found: 'auth',
  not_in_channel: 'auth',
  is_archived: 'auth',
  channel_is_archived: 'auth',
  no_service: 'auth',
  action_prohibited: 'auth',
  posting_to_general_channel_denied: 'auth',
  restricted_action: 'auth',
};

function slackError(excerpt: string): string | undefined {
  const match = /"error"\s*:\s*"([a-z_]+)"/.exec(excerpt);
  return match?.[1];
}

const byError =
  (label: string): StatusRow['decide'] =>
  (response, now) => {
    const error = slackError(response.bodyExcerpt) ?? bodySays(response.bodyExcerpt);
    const kind = error === undefined ? undefined : slackErrors[error];
    const reason = reasonFor(label, response.status, error);
    if (kind === 'retry') {
      const notBefore = retryAfterAt(response.headers, now);
      return notBefore === undefined ? { outcome: 'retry', reason } : { outcome: 'retry', notBefore, reason };
    }
    return {
      outcome: 'permanent',
      markIntegrationError: kind === 'auth' || authStatus(response.status),
      reason,
    };
  };

/** 401/403/404/410 mean the URL or token is dead whatever the body says (a proxy's page, say). */
const authStatus = (status: number) => status === 401 || status === 403 || status === 404 || status === 410;

/** `{"ok":false,…}` in a 2xx: the Web API's refusal. The excerpt may be cut, so fall back to its start. */
function notOk(bodyExcerpt: string): boolean {
  try {
    const parsed = JSON.parse(bodyExcerpt) as unknown;
    return typeof parsed === 'object' && parsed !== null && (parsed as { ok?: unknown }).ok === false;
  } catch {
    return /^\s*\{\s*"ok"\s*:\s*false\b/.test(bodyExcerpt);
  }
}

/** HTTP status first; Slack's Web API also says "not ok" inside a 200. */
export const slackStatusTable: readonly StatusRow[] = [
  row(200, 299, (response, now): DeliveryOutcome => {
    if (notOk(response.bodyExcerpt)) return byError('Slack refused the message')(response, now);
    return { outcome: 'delivered' };
  }),
  row(429, 429, decide.rateLimited),
  row(408, 408, decide.retry('Slack timed out reading the request')),
  row(500, 599, decide.retry('Slack server error')),
  row(401, 404, byError('Slack refused the message')),
  row(410, 410, byError('Slack refused the message')),
  row(300, 399, decide.redirected),
  row(400, 499, byError('Slack refused the message')),
];

export function classifySlackResult(result: HttpResult, now: number): DeliveryOutcome {
  return classifyWith(slackStatusTable, result, now);
}

/** Slack (and Mattermost / Rocket.Chat incoming webhooks): about 1 message per second per channel. */
export function slackChannel(options: SlackChannelOptions): DeliveryChannel {
  const templates = new TemplateCache(slackTemplateFlavor);
  const config = (t: ChannelTarget) => t.config as SlackConfig;
  const build = (target: ChannelTarget, body: Record<string, unknown>): OutboundRequest => {
    const c = config(target);
    const secret = target.secret ?? '';
    if (c.mode === 'webhook') {
      return { url: secret, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    }
    return {
      url: `${options.apiUrl.replace(/\/+$/, '')}/api/chat.postMessage`,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json; charset=utf-8' },
      // The configured channel wins: a template must not redirect the message elsewhere.
      body: JSON.stringify({ ...body, channel: c.channel }),
    };
  };
  return {
    kind: 'slack',
    limits: [{ limiter: 'slack-channel', limit: options.channelRate, windowMs: 1_000 }],
    throttleKeys(target) {
      const c = config(target);
      const fp = fingerprint(target.secret ?? '');
      return [{ limiter: 'slack-channel', key: c.mode === 'webhook' ? fp : `${fp}\u0000${c.channel ?? ''}` }];
    },
    buildRequest(target, entry) {
      const c = config(target);
      const body =
        c.template === undefined
          ? renderSlackMessage(entry)
          : (JSON.parse(templates.render(c.template, entry)) as Record<string, unknown>);
      return build(target, { ...body });
    },
    buildTestRequest(target, actorName) {
      const text = `*${escapeSlack(actorName)}* sent a test notification for the integration *${escapeSlack(target.name)}*. Changes that match its policy will appear in this channel.`;
      return build(target, {
        text: escapeSlack(`${actorName} sent a test notification for the integration ${target.name}`),
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      });
    },
    classify: classifySlackResult,
  };
}
