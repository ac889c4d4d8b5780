import { useSyncExternalStore } from 'react';

/**
 * The pages of the app and the addresses they live at. Some addresses are the ones the server puts
 * in audit titles and notifications (`/{project}/{env}/features/{flag}`,
 * `/integrations/hipchat/{id}`, `/settings/members/{id}`), so links in a chat room open here.
 */
/** The kinds of delivery target, as they appear in addresses (`/integrations/{kind}/{id}`). */
export type IntegrationKindKey = 'hipchat' | 'slack' | 'msteams' | 'webhooks';
const kindKeys: readonly string[] = ['hipchat', 'slack', 'msteams', 'webhooks'];
const isKindKey = (key: string | undefined): key is IntegrationKindKey =>
  key !== undefined && kindKeys.includes(key);

export type Route =
  | {
      readonly page: 'integrations';
      /** Absent for HipChat. */
      readonly kind?: IntegrationKindKey;
      readonly integrationId?: string;
      readonly mode?: 'new' | 'edit';
    }
  | {
      readonly page: 'flags';
      readonly project?: string;
      /** The environments shown side by side, comma-separated; then the filters (see flag-list-view.ts). */
      readonly env?: string;
      readonly tag?: string;
      readonly state?: string;
      readonly q?: string;
    }
  | {
      readonly page: 'flag';
      readonly project: string;
      readonly env: string;
      readonly flag: string;
      /** The flag's own settings and variations, instead of its targeting in `env`. */
      readonly view?: 'settings';
    }
  | { readonly page: 'audit'; readonly entryId?: string; readonly q: string; readonly spec: string }
  | { readonly page: 'team' }
  | { readonly page: 'roles'; readonly roleKey?: string; readonly mode?: 'new' }
  | { readonly page: 'tokens' }
  | { readonly page: 'environments'; readonly project?: string }
  /** Without a project and environment: the first of each. */
  | { readonly page: 'segments'; readonly project?: string; readonly env?: string; readonly segment?: string }
  | { readonly page: 'sdk-keys'; readonly project?: string; readonly env?: string }
  | { readonly page: 'accept-invitation' }
  | { readonly page: 'not-found'; readonly path: string };

export type Page = Route['page'];

const decode = (part: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decode);
  const params = new URLSearchParams(search);
  const param = (name: string): string | undefined => params.get(name) ?? undefined;
  const [first, second, third, fourth] = parts;
  if (first === undefined) return { page: 'integrations' };
  if (first === 'integrations') {
    if (second === 'new' && parts.length === 2) return { page: 'integrations', mode: 'new' };
    if (second === undefined) return { page: 'integrations' };
    if (isKindKey(second) && third !== undefined && parts.length <= 5) {
      const kind = second === 'hipchat' ? {} : { kind: second };
      if (third === 'new' && parts.length === 3) return { page: 'integrations', ...kind, mode: 'new' };
      return fourth === 'edit'
        ? { page: 'integrations', ...kind, integrationId: third, mode: 'edit' }
        : { page: 'integrations', ...kind, integrationId: third };
    }
  }
  if (first === 'flags' && parts.length === 1) {
    const route: Record<string, string> = {};
    for (const name of ['project', 'env', 'tag', 'state', 'q']) {
      // Repeated (env=a&env=b) or comma-separated, as the API takes `env`.
      const values = params.getAll(name).filter((v) => v !== '');
      if (values.length > 0) route[name] = values.join(',');
    }
    return { page: 'flags', ...route };
  }
  if (parts.length === 4 && third === 'features' && second !== undefined && fourth !== undefined) {
    return { page: 'flag', project: first, env: second, flag: fourth };
  }
  if (third === 'segments' && second !== undefined && parts.length <= 4) {
    return {
      page: 'segments',
      project: first,
      env: second,
      ...(fourth === undefined ? {} : { segment: fourth }),
    };
  }
  if (parts.length === 5 && third === 'features' && parts[4] === 'settings' && second && fourth) {
    return { page: 'flag', project: first, env: second, flag: fourth, view: 'settings' };
  }
  if (first === 'audit' && parts.length <= 2) {
    return {
      page: 'audit',
      ...(second === undefined ? {} : { entryId: second }),
      q: param('q') ?? '',
      spec: param('spec') ?? '',
    };
  }
  if (first === 'team' && parts.length === 1) return { page: 'team' };
  if (first === 'segments' && parts.length === 1) return { page: 'segments' };
  if (first === 'environments' && parts.length === 1) {
    const project = param('project');
    return { page: 'environments', ...(project === undefined ? {} : { project }) };
  }
  // The server's invitation links: /accept-invitation#<token> (the token never reaches a log).
  if (first === 'accept-invitation' && parts.length === 1) return { page: 'accept-invitation' };
  if (first === 'settings' && second === 'members') return { page: 'team' };
  if (first === 'settings' && second === 'roles' && parts.length <= 3) {
    if (third === 'new') return { page: 'roles', mode: 'new' };
    return third === undefined ? { page: 'roles' } : { page: 'roles', roleKey: third };
  }
  if (first === 'settings' && second === 'tokens' && parts.length <= 3) return { page: 'tokens' };
  // The server's links for project and environment changes: their SDK keys live there.
  if (first === 'settings' && second === 'projects' && parts.length <= 5) {
    const env = parts[3] === 'environments' ? parts[4] : undefined;
    return {
      page: 'sdk-keys',
      ...(third === undefined ? {} : { project: third }),
      ...(env === undefined ? {} : { env }),
    };
  }
  return { page: 'not-found', path: pathname };
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const snapshot = (): string => `${window.location.pathname}${window.location.search}`;

/** The current route; re-renders when it changes. */
export function useRoute(): Route {
  const location = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(location, window.location.origin);
  return parseRoute(url.pathname, url.search);
}

/** Goes to an address inside the app, without a page load. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace === true) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

function withSearch(path: string, params: Readonly<Record<string, string | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return text === '' ? path : `${path}?${text}`;
}

export const paths = {
  integrations: () => '/integrations',
  newIntegration: (kind: IntegrationKindKey = 'hipchat') =>
    kind === 'hipchat' ? '/integrations/new' : `/integrations/${kind}/new`,
  integration: (id: string, kind: IntegrationKindKey = 'hipchat') =>
    `/integrations/${kind}/${encodeURIComponent(id)}`,
  editIntegration: (id: string, kind: IntegrationKindKey = 'hipchat') =>
    `/integrations/${kind}/${encodeURIComponent(id)}/edit`,
  /** `env`: one environment or several, comma-separated; `filters`: tag, state, q (see flag-list-view.ts). */
  flags: (
    project?: string,
    env?: string,
    filters: { readonly tag?: string; readonly state?: string; readonly q?: string } = {},
  ) => withSearch('/flags', { project, env, ...filters }),
  flag: (project: string, env: string, flag: string) =>
    `/${encodeURIComponent(project)}/${encodeURIComponent(env)}/features/${encodeURIComponent(flag)}`,
  flagSettings: (project: string, env: string, flag: string) =>
    `/${encodeURIComponent(project)}/${encodeURIComponent(env)}/features/${encodeURIComponent(flag)}/settings`,
  audit: (params: { q?: string; spec?: string } = {}) => withSearch('/audit', params),
  auditEntry: (id: string, params: { q?: string; spec?: string } = {}) =>
    withSearch(`/audit/${encodeURIComponent(id)}`, params),
  team: () => '/team',
  roles: () => '/settings/roles',
  newRole: () => '/settings/roles/new',
  role: (key: string) => `/settings/roles/${encodeURIComponent(key)}`,
  tokens: () => '/settings/tokens',
  segments: (project?: string, env?: string) =>
    project === undefined || env === undefined
      ? '/segments'
      : `/${encodeURIComponent(project)}/${encodeURIComponent(env)}/segments`,
  segment: (project: string, env: string, key: string) =>
    `/${encodeURIComponent(project)}/${encodeURIComponent(env)}/segments/${encodeURIComponent(key)}`,
  environments: (project?: string) => withSearch('/environments', { project }),
  sdkKeys: (project?: string) =>
    project === undefined ? '/settings/projects' : `/settings/projects/${encodeURIComponent(project)}`,
} as const;
