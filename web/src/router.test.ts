import { describe, expect, it } from 'vitest';
import { parseRoute, paths } from './router';

describe('parseRoute', () => {
  it('opens the pages the server links to from audit titles and notifications', () => {
    expect(parseRoute('/default/production/features/new-checkout', '')).toEqual({
      page: 'flag',
      project: 'default',
      env: 'production',
      flag: 'new-checkout',
    });
    expect(parseRoute('/integrations/hipchat/0123456789abcdef01234567', '')).toEqual({
      page: 'integrations',
      integrationId: '0123456789abcdef01234567',
    });
    expect(parseRoute('/settings/members/abc', '')).toEqual({ page: 'team' });
    expect(parseRoute(paths.roles(), '')).toEqual({ page: 'roles' });
    expect(parseRoute(paths.newRole(), '')).toEqual({ page: 'roles', mode: 'new' });
    expect(parseRoute(paths.role('release-managers'), '')).toEqual({
      page: 'roles',
      roleKey: 'release-managers',
    });
    expect(parseRoute(paths.tokens(), '')).toEqual({ page: 'tokens' });
    expect(parseRoute(paths.segment('default', 'production', 'beta'), '')).toEqual({
      page: 'segments',
      project: 'default',
      env: 'production',
      segment: 'beta',
    });
    expect(parseRoute('/environments', '?project=default')).toEqual({
      page: 'environments',
      project: 'default',
    });
    expect(parseRoute(paths.flagSettings('default', 'test', 'new-checkout'), '')).toEqual({
      page: 'flag',
      project: 'default',
      env: 'test',
      flag: 'new-checkout',
      view: 'settings',
    });
    expect(parseRoute('/settings/projects/default', '')).toEqual({ page: 'sdk-keys', project: 'default' });
    expect(parseRoute('/settings/projects/default/environments/test', '')).toEqual({
      page: 'sdk-keys',
      project: 'default',
      env: 'test',
    });
    expect(parseRoute('/settings/projects', '')).toEqual({ page: 'sdk-keys' });
    expect(parseRoute('/accept-invitation', '')).toEqual({ page: 'accept-invitation' });
  });

  it('reads back what paths writes', () => {
    expect(parseRoute('/flags', new URL(paths.flags('p', 'e'), 'http://x').search)).toEqual({
      page: 'flags',
      project: 'p',
      env: 'e',
    });
    const list = new URL(
      paths.flags('p', 'production,test', { tag: 'ui', state: 'on:test', q: 'a b' }),
      'http://x',
    );
    expect(parseRoute(list.pathname, list.search)).toEqual({
      page: 'flags',
      project: 'p',
      env: 'production,test',
      tag: 'ui',
      state: 'on:test',
      q: 'a b',
    });
    expect(parseRoute('/flags', '?project=p&env=production&env=test')).toEqual({
      page: 'flags',
      project: 'p',
      env: 'production,test',
    });
    const audit = new URL(paths.auditEntry('id1', { q: 'a b', spec: 'proj/*' }), 'http://x');
    expect(parseRoute(audit.pathname, audit.search)).toEqual({
      page: 'audit',
      entryId: 'id1',
      q: 'a b',
      spec: 'proj/*',
    });
    expect(parseRoute(paths.editIntegration('i'), '')).toEqual({
      page: 'integrations',
      integrationId: 'i',
      mode: 'edit',
    });
    expect(parseRoute('/integrations/new', '')).toEqual({ page: 'integrations', mode: 'new' });
    expect(parseRoute(paths.newIntegration('slack'), '')).toEqual({
      page: 'integrations',
      kind: 'slack',
      mode: 'new',
    });
    expect(parseRoute(paths.integration('w1', 'webhooks'), '')).toEqual({
      page: 'integrations',
      kind: 'webhooks',
      integrationId: 'w1',
    });
    expect(parseRoute(paths.editIntegration('t1', 'msteams'), '')).toEqual({
      page: 'integrations',
      kind: 'msteams',
      integrationId: 't1',
      mode: 'edit',
    });
  });

  it('says so for an address the UI has no page for', () => {
    expect(parseRoute('/default/metrics/signups', '')).toEqual({
      page: 'not-found',
      path: '/default/metrics/signups',
    });
  });
});
