import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { RestRateLimiter } from '../../src/http/rate-limit.js';
import type { RequestGuard, RouteAccess } from '../../src/http/route-access.js';
import type { TypedApp } from '../../src/http/typed-app.js';

/** No request reaches it: these apps refuse to be built. */
const unreachable: RequestGuard = {
  authenticate: () => Promise.reject(new Error('unreachable')),
  beforeHandler: () => Promise.reject(new Error('unreachable')),
  afterWrite: () => Promise.reject(new Error('unreachable')),
};

function appWith(route: (app: TypedApp) => void) {
  return buildApp({
    guard: unreachable,
    metrics: new Metrics(),
    metricsToken: undefined,
    isReady: async () => true,
    routes: [route],
    logger: pino({ level: 'silent' }),
    webRoot: undefined,
    rateLimiter: new RestRateLimiter(0),
  });
}

describe('every API route declares its access', () => {
  it('refuses to start with a route that declares none', async () => {
    await expect(appWith((app) => app.get('/things', async () => ({})))).rejects.toThrow(
      'GET /api/v2/things declares no access',
    );
  });

  it('refuses a project read on a route without :projectKey', async () => {
    const access: RouteAccess = { reads: 'project' };
    await expect(
      appWith((app) => app.get('/things/:key', { config: { access } }, async () => ({}))),
    ).rejects.toThrow('GET /api/v2/things/:key reads a project but has no :projectKey');
  });

  it('starts when each route declares one', async () => {
    const access: RouteAccess = { reads: 'project', writes: 'change' };
    const app = await appWith((app) =>
      app.patch('/things/:projectKey', { config: { access } }, async () => ({})),
    );
    await app.close();
  });
});
