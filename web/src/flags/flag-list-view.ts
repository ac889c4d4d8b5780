import type { Flag } from '../api-types';

/**
 * What the flag list shows, as its address says it (so a link keeps it): which environments side
 * by side, and the filters. `/flags?project=web&env=production,test&tag=ui&state=on:production&q=pay`
 */
export interface FlagListView {
  /** The environments shown as columns; empty: not said (the remembered choice, or all). */
  readonly envs: readonly string[];
  /** Flags with every one of these tags (the server filters). */
  readonly tags: readonly string[];
  /** live (default), on/off in `stateEnv` (filtered here), archived (the server filters). */
  readonly state: 'live' | 'on' | 'off' | 'archived';
  readonly stateEnv: string | undefined;
  /** In the name or key. */
  readonly q: string;
}

/** The query parameters of the flags page, as the router reads them. */
export interface FlagListParams {
  readonly env?: string;
  readonly tag?: string;
  readonly state?: string;
  readonly q?: string;
}

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

export function parseListView(params: FlagListParams): FlagListView {
  const [state = '', stateEnv] = (params.state ?? '').split(':', 2);
  const known = state === 'on' || state === 'off' || state === 'archived' ? state : 'live';
  return {
    envs: [...new Set(list(params.env))],
    tags: [...new Set(list(params.tag))],
    state: known,
    stateEnv: (known === 'on' || known === 'off') && stateEnv !== '' ? stateEnv : undefined,
    q: params.q ?? '',
  };
}

/** The parameters that say `view` (what parseListView reads back). */
export function listViewParams(view: FlagListView): FlagListParams {
  const state =
    view.state === 'live'
      ? undefined
      : view.state === 'archived' || view.stateEnv === undefined
        ? view.state
        : `${view.state}:${view.stateEnv}`;
  return {
    ...(view.envs.length === 0 ? {} : { env: view.envs.join(',') }),
    ...(view.tags.length === 0 ? {} : { tag: view.tags.join(',') }),
    ...(state === undefined ? {} : { state }),
    ...(view.q === '' ? {} : { q: view.q }),
  };
}

/**
 * The API's own `filter` for what it can filter (LaunchDarkly's `tags:a+b` and `state:archived`);
 * on/off in an environment and the text are filtered in the page (see `shownFlags`).
 */
export function serverFilter(view: FlagListView): string | undefined {
  const parts = [
    ...(view.tags.length === 0 ? [] : [`tags:${view.tags.join('+')}`]),
    ...(view.state === 'archived' ? ['state:archived'] : []),
  ];
  return parts.length === 0 ? undefined : parts.join(',');
}

/** The flags that pass the filters the server does not apply: on/off in an environment, and the text. */
export function shownFlags(flags: readonly Flag[], view: FlagListView): Flag[] {
  const needle = view.q.trim().toLowerCase();
  return flags.filter((flag) => {
    if (
      needle !== '' &&
      !flag.name.toLowerCase().includes(needle) &&
      !flag.key.toLowerCase().includes(needle)
    )
      return false;
    if ((view.state === 'on' || view.state === 'off') && view.stateEnv !== undefined) {
      return (flag.environments[view.stateEnv]?.on ?? false) === (view.state === 'on');
    }
    return true;
  });
}

/**
 * The environments to show, in the project's order: those the address names; else the ones
 * remembered for this project; else every one. Keys the project does not have are dropped.
 */
export function shownEnvs(
  projectEnvs: readonly string[],
  asked: readonly string[],
  remembered: readonly string[] | undefined,
): string[] {
  for (const choice of [asked, remembered ?? []]) {
    const known = projectEnvs.filter((key) => choice.includes(key));
    if (known.length > 0) return known;
  }
  return [...projectEnvs];
}
