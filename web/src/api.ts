import type {
  ApiIssue,
  AuditEntry,
  AuditEntryDetail,
  ContextEvaluation,
  DeliveryPage,
  Environment,
  EnvironmentPost,
  Flag,
  FlagEvaluations,
  FlagPost,
  Integration,
  IntegrationPost,
  InvitedMember,
  JsonPatchOperation,
  Member,
  Page,
  PolicyPreview,
  PolicyStatement,
  Project,
  ProjectRead,
  Role,
  Segment,
  SemanticInstruction,
  Session,
  SlackConfig,
  TeamsConfig,
  TestOutcome,
  Webhook,
  WebhookPost,
} from './api-types';
import type { AccessToken, AccessTokenPost, CustomRole, CustomRolePost } from './api-types-settings';

const base = '/api/v2';

/** What the API answered instead of success, with its LaunchDarkly-style `code` and JSON pointers. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly ApiIssue[] = [],
  ) {
    super(message);
  }

  /** The issues at `pointer` or below it, e.g. `issuesUnder('/config')`. */
  issuesUnder(pointer: string): ApiIssue[] {
    return this.issues.filter((i) => i.pointer === pointer || i.pointer.startsWith(`${pointer}/`));
  }
}

/** A message fit to show a person, whatever was thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

const signedOutListeners = new Set<() => void>();

/** Called whenever the API says the session is gone (401), so the app can show the sign-in page. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

function toApiError(status: number, body: unknown, fallback: string): ApiError {
  if (typeof body === 'object' && body !== null) {
    const { code, message, errors } = body as { code?: unknown; message?: unknown; errors?: unknown };
    const issues = Array.isArray(errors)
      ? errors.filter(
          (e): e is ApiIssue =>
            typeof e === 'object' &&
            e !== null &&
            typeof e.pointer === 'string' &&
            typeof e.message === 'string',
        )
      : [];
    if (typeof message === 'string') {
      return new ApiError(status, typeof code === 'string' ? code : 'error', message, issues);
    }
  }
  return new ApiError(status, 'error', fallback || `The server answered ${status}`);
}

async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Every cookie-authenticated write must carry this header (the server's second CSRF lock).
  if (method !== 'GET') headers['x-switchboard-csrf'] = '1';
  if (body !== undefined) headers['content-type'] = contentType;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach Switchboard. Check the connection and try again.');
  }
  const text = response.status === 204 ? '' : await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = toApiError(response.status, parsed, response.statusText);
    if (response.status === 401 && path !== '/session' && path !== '/invitations/accept')
      for (const listener of signedOutListeners) listener();
    throw error;
  }
  return parsed as T;
}

function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const seg = encodeURIComponent;

/**
 * Every item of a paged list: the API answers a page at a time (20 by default, as LaunchDarkly
 * does), so the UI asks for 100 at a time and follows `_links.next` until it is gone.
 */
async function everyPage<T>(path: string): Promise<Page<T>> {
  const items: T[] = [];
  let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=100`;
  while (next !== undefined) {
    const page: Page<T> = await request<Page<T>>('GET', next);
    items.push(...page.items);
    next = page._links?.next?.href.replace(/^\/api\/v2/, '');
  }
  return { items, totalCount: items.length };
}

/** What the UI does with any delivery target once it exists: switch, test, delete, read its log. */
export interface ChannelOps<T> {
  readonly setOn: (id: string, on: boolean) => Promise<T>;
  readonly remove: (id: string) => Promise<void>;
  readonly test: (id: string) => Promise<TestOutcome>;
  readonly deliveries: (id: string, limit?: number) => Promise<DeliveryPage>;
  readonly retry: (id: string, deliveryId: number) => Promise<{ queued: boolean }>;
}

export interface ChannelApi<T, P> extends ChannelOps<T> {
  readonly list: () => Promise<Page<T>>;
  readonly get: (id: string) => Promise<T>;
  readonly create: (body: P) => Promise<T>;
  readonly update: (id: string, patch: readonly JsonPatchOperation[]) => Promise<T>;
}

/** The endpoints every kind shares (HipChat, Slack, Teams under /integrations/{kind}; /webhooks). */
function channel<T, P>(path: string): ChannelApi<T, P> {
  const one = (id: string) => `${path}/${seg(id)}`;
  return {
    list: () => request<Page<T>>('GET', path),
    get: (id) => request<T>('GET', one(id)),
    create: (body) => request<T>('POST', path, body),
    update: (id, patch) => request<T>('PATCH', one(id), patch),
    setOn: (id, on) => request<T>('PATCH', one(id), [{ op: 'replace', path: '/on', value: on }]),
    remove: (id) => request<void>('DELETE', one(id)),
    test: (id) => request<TestOutcome>('POST', `${one(id)}/test`),
    deliveries: (id, limit = 20) => request<DeliveryPage>('GET', `${one(id)}/deliveries${query({ limit })}`),
    retry: (id, deliveryId) =>
      request<{ queued: boolean }>('POST', `${one(id)}/deliveries/${deliveryId}/retry`),
  };
}

/** The typed API client: one function per endpoint the UI uses. */
export const api = {
  session: {
    get: () => request<Session>('GET', '/session'),
    signIn: (email: string, password: string) => request<Session>('POST', '/session', { email, password }),
    signOut: () => request<void>('DELETE', '/session'),
  },

  projects: {
    /** Every project with its environments (an array here; the API pages them under `expand`). */
    list: async (): Promise<Page<Project>> => {
      const page = await everyPage<ProjectRead>('/projects?expand=environments');
      return { ...page, items: page.items.map((p) => ({ ...p, environments: p.environments?.items ?? [] })) };
    },
  },

  environments: {
    create: (projectKey: string, env: EnvironmentPost) =>
      request<Environment>('POST', `/projects/${seg(projectKey)}/environments`, env),
    update: (projectKey: string, envKey: string, patch: readonly JsonPatchOperation[], comment?: string) =>
      request<Environment>('PATCH', `/projects/${seg(projectKey)}/environments/${seg(envKey)}`, {
        patch,
        ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
      }),
    remove: (projectKey: string, envKey: string) =>
      request<void>('DELETE', `/projects/${seg(projectKey)}/environments/${seg(envKey)}`),
    /** A new SDK key (`apiKey`) or mobile key; the old one works until `expiry` (epoch ms), or stops now. */
    resetKey: (projectKey: string, envKey: string, which: 'apiKey' | 'mobileKey', expiry?: number) =>
      request<Environment>(
        'POST',
        `/projects/${seg(projectKey)}/environments/${seg(envKey)}/${which}`,
        expiry === undefined ? {} : { expiry },
      ),
  },

  flags: {
    /** Every flag (with `env`: only those environments' settings; `filter`: LaunchDarkly's, e.g. `tags:a+b`). */
    list: (projectKey: string, options: { env?: readonly string[]; filter?: string } = {}) =>
      everyPage<Flag>(
        `/flags/${seg(projectKey)}${query({ env: options.env?.join(','), filter: options.filter })}`,
      ),
    get: (projectKey: string, flagKey: string) =>
      request<Flag>('GET', `/flags/${seg(projectKey)}/${seg(flagKey)}`),
    create: (projectKey: string, flag: FlagPost) => request<Flag>('POST', `/flags/${seg(projectKey)}`, flag),
    /** How often SDKs evaluated the flag in one environment over the last `hours` hours. */
    evaluations: (projectKey: string, flagKey: string, env: string, hours = 24) =>
      request<FlagEvaluations>(
        'GET',
        `/flags/${seg(projectKey)}/${seg(flagKey)}/evaluations${query({ env, hours })}`,
      ),
    /** Every flag of the project in one environment, evaluated for `context` (nothing is recorded). */
    evaluateFor: (projectKey: string, envKey: string, context: unknown) =>
      request<Page<ContextEvaluation>>(
        'POST',
        `/projects/${seg(projectKey)}/environments/${seg(envKey)}/flags/evaluate`,
        context,
      ),
    setOn: (projectKey: string, flagKey: string, envKey: string, on: boolean, comment?: string) =>
      request<Flag>('PATCH', `/flags/${seg(projectKey)}/${seg(flagKey)}`, {
        patch: [{ op: 'replace', path: `/environments/${envKey}/on`, value: on }],
        ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
      }),
    /** A JSON Patch with an optional comment, saved as one change (one audit entry). */
    patch: (projectKey: string, flagKey: string, patch: readonly JsonPatchOperation[], comment?: string) =>
      request<Flag>('PATCH', `/flags/${seg(projectKey)}/${seg(flagKey)}`, {
        patch,
        ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
      }),
    /** LaunchDarkly's semantic patch: instructions such as `addVariation`, applied as one change. */
    instructions: (
      projectKey: string,
      flagKey: string,
      instructions: readonly SemanticInstruction[],
      comment?: string,
    ) =>
      request<Flag>(
        'PATCH',
        `/flags/${seg(projectKey)}/${seg(flagKey)}`,
        {
          instructions,
          ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
        },
        'application/json; domain-model=launchdarkly.semanticpatch',
      ),
    remove: (projectKey: string, flagKey: string) =>
      request<void>('DELETE', `/flags/${seg(projectKey)}/${seg(flagKey)}`),
    /** Whether the signed-in member may make this change: validated and authorized, nothing written. */
    dryRun: (projectKey: string, flagKey: string, patch: readonly JsonPatchOperation[]) =>
      request<Flag>('PATCH', `/flags/${seg(projectKey)}/${seg(flagKey)}?dryRun=true`, { patch }),
    /** The flag's settings in `source` copied into `target`; refused (409) if `source` changed since `sourceVersion`. */
    copy: (
      projectKey: string,
      flagKey: string,
      source: string,
      sourceVersion: number,
      target: string,
      comment?: string,
    ) =>
      request<Flag>('POST', `/flags/${seg(projectKey)}/${seg(flagKey)}/copy`, {
        source: { key: source, currentVersion: sourceVersion },
        target: { key: target },
        ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
      }),
  },

  segments: {
    list: (projectKey: string, envKey: string) =>
      everyPage<Segment>(`/segments/${seg(projectKey)}/${seg(envKey)}`),
    get: (projectKey: string, envKey: string, key: string) =>
      request<Segment>('GET', `/segments/${seg(projectKey)}/${seg(envKey)}/${seg(key)}`),
    create: (
      projectKey: string,
      envKey: string,
      segment: { key: string; name: string; description?: string },
    ) => request<Segment>('POST', `/segments/${seg(projectKey)}/${seg(envKey)}`, segment),
    update: (
      projectKey: string,
      envKey: string,
      key: string,
      patch: readonly JsonPatchOperation[],
      comment?: string,
    ) =>
      request<Segment>('PATCH', `/segments/${seg(projectKey)}/${seg(envKey)}/${seg(key)}`, {
        patch,
        ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
      }),
    remove: (projectKey: string, envKey: string, key: string) =>
      request<void>('DELETE', `/segments/${seg(projectKey)}/${seg(envKey)}/${seg(key)}`),
  },

  auditLog: {
    list: (params: { q?: string; spec?: string; limit?: number }) =>
      request<Page<AuditEntry>>('GET', `/auditlog${query(params)}`),
    /** Follows a `_links.next.href` as the API gave it. */
    next: (href: string) => request<Page<AuditEntry>>('GET', href.replace(/^\/api\/v2/, '')),
    get: (id: string) => request<AuditEntryDetail>('GET', `/auditlog/${seg(id)}`),
  },

  roles: {
    list: () => everyPage<CustomRole>('/roles'),
    get: (key: string) => request<CustomRole>('GET', `/roles/${seg(key)}`),
    create: (role: CustomRolePost) => request<CustomRole>('POST', '/roles', role),
    update: (key: string, patch: readonly JsonPatchOperation[], comment?: string) =>
      request<CustomRole>('PATCH', `/roles/${seg(key)}`, {
        patch,
        ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
      }),
    remove: (key: string) => request<void>('DELETE', `/roles/${seg(key)}`),
  },

  tokens: {
    /** The signed-in member's tokens; an admin's list holds everyone's. */
    list: () => everyPage<AccessToken>('/tokens?showAll=true'),
    create: (token: AccessTokenPost) => request<AccessToken>('POST', '/tokens', token),
    /** A new secret (in the answer, once); the old one stops working. */
    reset: (id: string) => request<AccessToken>('POST', `/tokens/${seg(id)}/reset`),
    remove: (id: string) => request<void>('DELETE', `/tokens/${seg(id)}`),
  },

  members: {
    list: () => everyPage<Member>('/members'),
    invite: (invites: readonly { email: string; role: Role }[]) =>
      request<Page<InvitedMember>>('POST', '/members', invites),
  },

  invitations: {
    /** Sets the password and starts a session (the cookie) for the invited member. */
    accept: (token: string, password: string, names: { firstName?: string; lastName?: string }) =>
      request<Member>('POST', '/invitations/accept', { token, password, ...names }),
  },

  hipchat: channel<Integration, IntegrationPost>('/integrations/hipchat'),
  slack: channel<Integration<SlackConfig>, IntegrationPost<SlackConfig>>('/integrations/slack'),
  msteams: channel<Integration<TeamsConfig>, IntegrationPost<TeamsConfig>>('/integrations/msteams'),
  webhooks: channel<Webhook, WebhookPost>('/webhooks'),

  /** Which recent changes would these statements have sent? (The same filter serves every kind.) */
  preview: (statements: readonly PolicyStatement[]) =>
    request<PolicyPreview>('POST', '/integrations/hipchat/preview', { statements }),
} as const;
