import { describe, expect, it } from 'vitest';
import { eachTestWithDefaultProject } from '../helpers/flag-tests.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * Writes to one flag that arrive at once: a client's own stale `_version` test is a 409, and
 * changes that test no version are applied one on top of the other on either database.
 */

let t: TestSwitchboard;

const { createFlag } = eachTestWithDefaultProject((started) => {
  t = started;
});

describe('flags: concurrent writes', () => {
  it('returns 409 for a stale _version and for a concurrent write, never losing an update', async () => {
    await createFlag();
    const stale = await t.api('PATCH', '/api/v2/flags/default/new-checkout', [
      { op: 'test', path: '/_version', value: 0 },
      { op: 'replace', path: '/environments/production/on', value: true },
    ]);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('conflict');

    const both = await Promise.all(
      ['production', 'test'].map((env) =>
        t.api('PATCH', '/api/v2/flags/default/new-checkout', [
          { op: 'test', path: '/_version', value: 1 },
          { op: 'replace', path: `/environments/${env}/on`, value: true },
        ]),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const flag = (await t.api('GET', '/api/v2/flags/default/new-checkout')).body;
    expect(flag._version).toBe(2);
    expect([flag.environments.production.on, flag.environments.test.on].filter(Boolean)).toHaveLength(1);
  });

  it('applies concurrent changes to one flag that test no version, each on top of the others', async () => {
    // On PostgreSQL they read the same version and only one compare-and-set can win: the others
    // are run again on what it wrote, as if they had come a moment later (on SQLite they queue).
    await createFlag();
    const patches = [
      [{ op: 'replace', path: '/environments/production/on', value: true }],
      [{ op: 'replace', path: '/environments/test/on', value: true }],
      [{ op: 'replace', path: '/description', value: 'Checkout, rebuilt' }],
      [{ op: 'add', path: '/tags/-', value: 'checkout' }],
    ];
    const answers = await Promise.all(
      patches.map((patch) => t.api('PATCH', '/api/v2/flags/default/new-checkout', patch)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const flag = (await t.api('GET', '/api/v2/flags/default/new-checkout')).body;
    expect(flag).toMatchObject({
      _version: 5,
      description: 'Checkout, rebuilt',
      tags: ['checkout'],
      environments: { production: { on: true }, test: { on: true } },
    });
    const log = (await t.api('GET', '/api/v2/auditlog?limit=20')).body.items;
    expect(log.filter((e: { kind: string }) => e.kind === 'flag')).toHaveLength(5);
  });
});
