import type { IntegrationKindKey } from '../router';
import { chatAnswerMessage } from './chat-answer';

/** What is known of one failed delivery attempt or test: as stored, nothing interpreted yet. */
export interface FailureFacts {
  readonly statusCode?: number | undefined;
  /** The network error's class when nothing answered (timeout, dns, connection_refused, …). */
  readonly errorClass?: string | undefined;
  /** The raw detail: the answer's body, or the network error's message. */
  readonly detail?: string | undefined;
}

/** How each kind names the things a person can fix. */
interface KindWords {
  /** Who answers: "HipChat", "Slack", "Teams", "The receiver". */
  readonly service: string;
  /** Where requests go: "the HipChat Server URL", "the Slack webhook URL", … */
  readonly url: string;
  /** What authorizes the message. */
  readonly credential: string;
  /** Where the message goes, when the service says it does not exist. */
  readonly place: string;
}

const words: Readonly<Record<IntegrationKindKey, KindWords>> = {
  hipchat: {
    service: 'HipChat',
    url: 'the HipChat Server URL',
    credential: 'the room notification token (it needs the Send Notification scope)',
    place: 'the room ID or name',
  },
  slack: {
    service: 'Slack',
    url: 'the Slack webhook URL',
    credential: 'the webhook URL or bot token',
    place: 'the channel',
  },
  msteams: {
    service: 'Teams',
    url: 'the Teams workflow URL',
    credential: 'the workflow URL',
    place: 'the workflow URL (the workflow may have been deleted or turned off)',
  },
  webhooks: {
    service: 'The receiver',
    url: 'the webhook URL',
    credential: 'what the receiver expects (its credentials or signing secret)',
    place: 'the webhook URL',
  },
};

/** Slack's error codes (in a 200 from the Web API, or the body of a webhook's 4xx) as sentences. */
const slackCodes: Readonly<Record<string, string>> = {
  invalid_auth: 'Slack rejected the bot token — check the token',
  not_authed: 'Slack got no token — check the bot token',
  token_revoked: 'The Slack token was revoked — create a new one',
  token_expired: 'The Slack token has expired — create a new one',
  account_inactive: 'The Slack token belongs to a deactivated account or app — create a new one',
  missing_scope: 'The Slack token lacks the chat:write scope — add it and reinstall the app',
  invalid_token: 'Slack does not recognise this webhook URL — create a new incoming webhook',
  no_service: 'This Slack webhook was removed or disabled — create a new incoming webhook',
  channel_not_found: 'Slack cannot find the channel — check the channel name or ID',
  not_in_channel: 'The Slack app is not in the channel — invite it there',
  is_archived: 'The Slack channel is archived — unarchive it or pick another',
  channel_is_archived: 'The Slack channel is archived — unarchive it or pick another',
  action_prohibited: 'A Slack admin has restricted posting with this webhook',
  posting_to_general_channel_denied: 'Only admins may post to this Slack channel — pick another',
  restricted_action: 'A Slack admin has restricted posting to this channel',
  no_permission: 'The Slack token may not post here — check its permissions',
  ratelimited: 'Slack is rate-limiting messages — they go out when it lets them',
  rate_limited: 'Slack is rate-limiting messages — they go out when it lets them',
};

/** The host a network error names: "(https://api.hipchat.com)", "from https://…", "ENOTFOUND host". */
export function hostIn(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined;
  const url = /\bhttps?:\/\/(\[[^\]]+\]|[^\s/:)\]]+)(?::\d+)?/.exec(detail);
  if (url?.[1] !== undefined) return url[1];
  return /\bENOTFOUND ([^\s)]+)/.exec(detail)?.[1];
}

/**
 * The network error's class from its message, for failures recorded before the class was kept
 * beside them (health entries of older versions).
 */
function guessClass(detail: string): string | undefined {
  if (/SWITCHBOARD_ALLOW_PRIVATE_TARGETS|only http and https|is not a valid URL/.test(detail))
    return 'ssrf_refused';
  if (/ENOTFOUND|EAI_AGAIN|name resolution|does not resolve/.test(detail)) return 'dns';
  if (/timed out|ETIMEDOUT|no complete answer/i.test(detail)) return 'timeout';
  if (/ECONNREFUSED|connection refused/i.test(detail)) return 'connection_refused';
  if (/ECONNRESET|connection reset|other side closed/i.test(detail)) return 'connection_reset';
  if (/certificate|TLS|SSL/.test(detail)) return 'tls';
  return undefined;
}

function networkSentence(errorClass: string | undefined, host: string | undefined, w: KindWords): string {
  const server = host ?? 'the server';
  switch (errorClass) {
    case 'dns':
      return host === undefined
        ? `Could not find the server’s host name — check ${w.url}`
        : `Could not find the host ${host} — check ${w.url}`;
    case 'timeout':
      return `${host ?? 'The server'} did not answer in time — check ${w.url} and that the server is up`;
    case 'connection_refused':
      return `${host ?? 'The server'} refused the connection — check the host and port in ${w.url} and that the server is running`;
    case 'connection_reset':
      return `${host ?? 'The server'} closed the connection before answering — if it keeps happening, check ${w.url} and any proxy in between`;
    case 'tls':
      return `The secure connection to ${server} failed (its certificate is not trusted, expired or for another name) — check ${w.url}, or the server’s certificate`;
    case 'ssrf_refused':
      return `Switchboard does not send to ${host ?? 'this address'}: it is private, local or not a valid URL — put a public address in ${w.url}, or have an administrator set SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true for an on-premises server`;
    default:
      return `Could not reach ${server} — check ${w.url} and the network`;
  }
}

function slackCode(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined;
  const json = /"error"\s*:\s*"([a-z_]+)"/.exec(detail)?.[1];
  if (json !== undefined) return json;
  const bare = detail.trim();
  return /^[a-z_]+$/.test(bare) ? bare : undefined;
}

function httpSentence(kind: IntegrationKindKey, status: number, detail: string | undefined): string {
  const w = words[kind];
  if (kind === 'slack') {
    const code = slackCode(detail);
    const known = code === undefined ? undefined : slackCodes[code];
    if (known !== undefined) return known;
  }
  const says = chatAnswerMessage(detail);
  const quoted = says === undefined || says.length > 120 ? '' : ` (“${says.replace(/[.\s]+$/, '')}”)`;
  if (status === 401)
    return kind === 'hipchat'
      ? `HipChat rejected the token${quoted} — check ${w.credential}`
      : `${w.service} rejected the credentials${quoted} — check ${w.credential}`;
  if (status === 403)
    return kind === 'hipchat'
      ? `HipChat refused the token for this room${quoted} — use a token of this room, or one with the Send Notification scope`
      : `${w.service} refused the message${quoted} — check ${w.credential}`;
  if (status === 404)
    return kind === 'hipchat'
      ? `HipChat cannot find the room${quoted} — check ${w.place}`
      : `${w.service} answered “not found”${quoted} — check ${w.place}`;
  if (status === 410) return `${w.service} says this address is gone${quoted} — check ${w.place}`;
  if (status === 429) return `${w.service} is rate-limiting messages — they go out when it lets them`;
  if (status === 408) return `${w.service} timed out reading the message — it is tried again`;
  if (status >= 500) return `${w.service} had a server error (HTTP ${status})${quoted} — usually temporary`;
  if (status >= 300 && status < 400)
    return `${w.service} answered with a redirect (HTTP ${status}), which Switchboard does not follow — check ${w.url}`;
  if (status === 400)
    return `${w.service} rejected the message${quoted} — check the message template, if any`;
  return `${w.service} answered HTTP ${status}${quoted}`;
}

/**
 * One sentence a person understands for a failed delivery attempt or test, naming what to
 * check for its kind ("Could not find the host api.hipchat.com — check the HipChat Server URL").
 * The raw detail stays available beside it (a disclosure), never in the sentence itself.
 */
export function describeFailure(kind: IntegrationKindKey, facts: FailureFacts): string {
  const w = words[kind];
  if (facts.statusCode !== undefined) return `${httpSentence(kind, facts.statusCode, facts.detail)}.`;
  const errorClass =
    facts.errorClass !== undefined && facts.errorClass !== 'network'
      ? facts.errorClass
      : facts.detail === undefined
        ? facts.errorClass
        : (guessClass(facts.detail) ?? facts.errorClass);
  if (errorClass === undefined && facts.detail !== undefined && hostIn(facts.detail) === undefined) {
    // Not a network error: the worker's own reason (a template that failed, a secret that
    // cannot be opened) is already written for people.
    const text = facts.detail.trim().replace(/[.\s]+$/, '');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }
  return `${networkSentence(errorClass, hostIn(facts.detail), w)}.`;
}
