import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

// Issue #13, finding 10: requests shaped to break the server at the door must get a clear 400
// (never a 500), and nothing the API accepts may leave a resource it can no longer reach.

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
  expect((await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' })).status).toBe(201);
  expect((await t.api('POST', '/api/v2/flags/default', { key: 'f', name: 'F' })).status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('robustness at the door', () => {
  it('a JSON patch whose path or from runs through __proto__, constructor or prototype is a 400 naming the operation', async () => {
    const attacks: [string, unknown, string][] = [
      ['/api/v2/projects/default', [{ op: 'add', path: '/__proto__/polluted', value: 1 }], '/0/path'],
      [
        '/api/v2/projects/default',
        {
          patch: [
            { op: 'replace', path: '/name', value: 'x' },
            { op: 'copy', from: '/__proto__', path: '/x' },
          ],
        },
        '/patch/1/from',
      ],
      [
        '/api/v2/flags/default/f',
        [{ op: 'add', path: '/constructor/prototype/polluted', value: 1 }],
        '/0/path',
      ],
      ['/api/v2/flags/default/f', [{ op: 'copy', from: '/constructor', path: '/description' }], '/0/from'],
      ['/api/v2/flags/default/f', [{ op: 'move', from: '/tags/__proto__', path: '/x' }], '/0/from'],
      ['/api/v2/flags/default/f', [{ op: 'add', path: '/customProperties/prototype', value: {} }], '/0/path'],
    ];
    for (const [url, patch, pointer] of attacks) {
      const res = await t.api('PATCH', url, patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.code).toBe('invalid_request');
      expect(res.body.errors[0].pointer).toBe(pointer);
      expect(res.body.message).toMatch(/__proto__|constructor|prototype/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await t.api('GET', '/api/v2/flags/default/f')).body._version).toBe(1);
  });

  it('a body nested 5,000 deep is a 400 that says so, as JSON and as JSON Patch', async () => {
    const deepObject = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const attacks: [string, string, string, string][] = [
      [
        'POST',
        '/api/v2/flags/default',
        `{"key":"g","name":"G","variations":[{"value":${deepObject}},{"value":1}]}`,
        'application/json',
      ],
      [
        'PATCH',
        '/api/v2/flags/default/f',
        `[{"op":"replace","path":"/description","value":${nested(5_000)}}]`,
        'application/json-patch+json',
      ],
      [
        'PATCH',
        '/api/v2/flags/default/f',
        `{"instructions":${nested(5_000)}}`,
        'application/json; domain-model=launchdarkly.semanticpatch',
      ],
    ];
    for (const [method, url, body, type] of attacks) {
      const res = await t.api(method as 'POST' | 'PATCH', url, body, { 'content-type': type });
      expect(res.status, `${method} ${type}`).toBe(400);
      expect(res.body.code).toBe('invalid_request');
      expect(res.body.message).toMatch(/nested deeper than 64 levels/);
    }
    expect((await t.api('GET', '/api/v2/flags/default/g')).status).toBe(404);
    expect((await t.api('GET', '/api/v2/flags/default/f')).body._version).toBe(1);

    // At the bound a body is still parsed and checked: 64 levels in all, the value's 62 inside
    // the operation array and the operation (brackets in strings do not count).
    const atBound = `${'{"a":'.repeat(62)}"[[[[{{{{\\""${'}'.repeat(62)}`;
    const res = await t.api(
      'PATCH',
      '/api/v2/flags/default/f',
      `[{"op":"replace","path":"/description","value":${atBound}}]`,
      { 'content-type': 'application/json-patch+json' },
    );
    // A description is a string, so the schema refuses it; what matters is that it got that far.
    expect(res.status).toBe(400);
    expect(res.body.errors[0].pointer).toBe('/description');
  });

  it('a project with the longest key allowed can be read, used and deleted; one longer is a 400 at create', async () => {
    const key = `p${'x'.repeat(255)}`;
    const env = `e${'y'.repeat(255)}`;
    const segment = `s${'z'.repeat(255)}`;
    const flag = `f${'w'.repeat(255)}`;
    const created = await t.api('POST', '/api/v2/projects', {
      key,
      name: 'Long',
      environments: [{ key: env, name: 'Long env', color: 'AABBCC' }],
    });
    expect(created.status).toBe(201);
    expect((await t.api('GET', `/api/v2/projects/${key}`)).status).toBe(200);
    expect((await t.api('GET', `/api/v2/projects/${key}/environments/${env}`)).status).toBe(200);
    expect((await t.api('POST', `/api/v2/flags/${key}`, { key: flag, name: 'Long flag' })).status).toBe(201);
    expect((await t.api('GET', `/api/v2/flags/${key}/${flag}`)).status).toBe(200);
    expect(
      (await t.api('POST', `/api/v2/segments/${key}/${env}`, { key: segment, name: 'Long' })).status,
    ).toBe(201);
    expect((await t.api('GET', `/api/v2/segments/${key}/${env}/${segment}`)).status).toBe(200);
    expect((await t.api('DELETE', `/api/v2/projects/${key}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v2/projects/${key}`)).status).toBe(404);

    for (const [url, body] of [
      ['/api/v2/projects', { key: `p${'x'.repeat(256)}`, name: 'Too long' }],
      ['/api/v2/flags/default', { key: `f${'x'.repeat(256)}`, name: 'Too long' }],
      ['/api/v2/roles', { key: `r${'x'.repeat(256)}`, name: 'Too long', policy: [] }],
    ] as const) {
      const res = await t.api('POST', url, body);
      expect(res.status, url).toBe(400);
      expect(res.body.errors[0].pointer).toBe('/key');
    }
  });
});
