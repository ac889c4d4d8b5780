import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
});
afterEach(async () => {
  await t.close();
});

describe('the HTTP edge', () => {
  it('serves an OpenAPI document generated from the route schemas, without a token', async () => {
    const res = await t.api('GET', '/api/v2/openapi.json', undefined, { authorization: '' });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.0.3');
    const paths = Object.keys(res.body.paths);
    for (const path of [
      '/api/v2/projects',
      '/api/v2/projects/{projectKey}/environments/{envKey}',
      '/api/v2/flags/{projectKey}/{flagKey}',
      '/api/v2/segments/{projectKey}/{envKey}/{segmentKey}',
      '/api/v2/metrics/{projectKey}/{metricKey}',
      '/api/v2/members/{id}',
      '/api/v2/roles/{roleKey}',
      '/api/v2/tokens/{id}',
      '/api/v2/auditlog',
      '/api/v2/auditlog/{id}',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(
      res.body.paths['/api/v2/flags/{projectKey}'].post.requestBody.content['application/json'].schema
        .required,
    ).toEqual(expect.arrayContaining(['key', 'name']));
  });

  it('accepts "Bearer <token>" as well as the raw token', async () => {
    const raw = await t.api('GET', '/api/v2/projects');
    const bearer = await t.api('GET', '/api/v2/projects', undefined, {
      authorization: 'Bearer api-test-admin-token-0123456789abcdef',
    });
    expect(raw.status).toBe(200);
    expect(bearer.status).toBe(200);
  });

  it('answers unknown routes, media types and bodies in the LaunchDarkly error form', async () => {
    const missing = await t.api('GET', '/api/v2/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      code: 'not_found',
      message: expect.stringContaining('/api/v2/nothing-here'),
    });

    const xml = await t.api('POST', '/api/v2/projects', '<project/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    expect(xml.body.code).toBe('unsupported_media_type');

    const empty = await t.api('POST', '/api/v2/projects', '', { 'content-type': 'application/json' });
    expect(empty.status).toBe(400);
  });

  it('takes JSON Patch as application/json-patch+json too', async () => {
    await t.api('POST', '/api/v2/projects', { key: 'p', name: 'P' });
    const res = await t.api(
      'PATCH',
      '/api/v2/projects/p',
      JSON.stringify([{ op: 'replace', path: '/name', value: 'Q' }]),
      {
        'content-type': 'application/json-patch+json',
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Q');
  });
});
