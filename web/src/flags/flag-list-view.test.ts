import { describe, expect, it } from 'vitest';
import type { Flag } from '../api-types';
import { listViewParams, parseListView, serverFilter, shownEnvs, shownFlags } from './flag-list-view';

const flag = (key: string, on: Record<string, boolean>, name = key): Flag =>
  ({
    key,
    name,
    tags: [],
    environments: Object.fromEntries(Object.entries(on).map(([env, value]) => [env, { on: value }])),
  }) as unknown as Flag;

describe('the flag list as its address says it', () => {
  it('reads environments, tags, state and text, and writes them back the same', () => {
    const view = parseListView({
      env: 'production,test,production',
      tag: 'ui,beta',
      state: 'on:test',
      q: 'pay',
    });
    expect(view).toEqual({
      envs: ['production', 'test'],
      tags: ['ui', 'beta'],
      state: 'on',
      stateEnv: 'test',
      q: 'pay',
    });
    expect(parseListView(listViewParams(view))).toEqual(view);
    expect(listViewParams(parseListView({}))).toEqual({});
  });

  it('takes an unknown state for the default, and archived without an environment', () => {
    expect(parseListView({ state: 'sideways' }).state).toBe('live');
    expect(parseListView({ state: 'archived:test' })).toMatchObject({
      state: 'archived',
      stateEnv: undefined,
    });
    expect(parseListView({ state: 'off' })).toMatchObject({ state: 'off', stateEnv: undefined });
  });

  it('asks the server for tags (all of them) and archived flags, LaunchDarkly’s way', () => {
    expect(serverFilter(parseListView({}))).toBeUndefined();
    expect(serverFilter(parseListView({ tag: 'ui,beta', state: 'archived' }))).toBe(
      'tags:ui+beta,state:archived',
    );
    expect(serverFilter(parseListView({ state: 'on:production' }))).toBeUndefined();
  });

  it('keeps the flags on (or off) in the chosen environment, and those whose name or key match', () => {
    const flags = [
      flag('a', { production: true, test: false }, 'Payments'),
      flag('b', { production: false, test: true }),
    ];
    const keys = (params: Parameters<typeof parseListView>[0]) =>
      shownFlags(flags, parseListView(params)).map((f) => f.key);
    expect(keys({ state: 'on:production' })).toEqual(['a']);
    expect(keys({ state: 'off:production' })).toEqual(['b']);
    expect(keys({ state: 'on:test' })).toEqual(['b']);
    expect(keys({ q: 'PAY' })).toEqual(['a']);
    expect(keys({ q: 'b' })).toEqual(['b']);
    expect(keys({})).toEqual(['a', 'b']);
  });

  it('shows the environments asked for, else the remembered ones, else all, in the project’s order', () => {
    const project = ['production', 'staging', 'test'];
    expect(shownEnvs(project, ['test', 'production'], ['staging'])).toEqual(['production', 'test']);
    expect(shownEnvs(project, ['gone'], ['staging', 'gone'])).toEqual(['staging']);
    expect(shownEnvs(project, [], undefined)).toEqual(project);
    expect(shownEnvs(project, [], ['gone'])).toEqual(project);
  });
});
