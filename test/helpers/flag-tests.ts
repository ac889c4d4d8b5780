import { afterEach, beforeEach, expect } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from './test-switchboard.js';

/** What the flag API tests share: a Switchboard with the project `default` (tagged `web`). */
async function startWithDefaultProject(): Promise<TestSwitchboard> {
  const t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default project', tags: ['web'] });
  return t;
}

/**
 * A fresh `startWithDefaultProject` for each test of the file, handed to `use`, closed after it;
 * returns what the tests ask of the current one.
 */
export function eachTestWithDefaultProject(use: (t: TestSwitchboard) => void) {
  let current: TestSwitchboard | undefined;
  beforeEach(async () => {
    current = await startWithDefaultProject();
    use(current);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const started = () => {
    if (current === undefined) throw new Error('no Switchboard outside a test');
    return current;
  };
  return {
    /** Creates the flag `new-checkout` in `default` (with `body` over the defaults) and returns it. */
    async createFlag(body: Record<string, unknown> = {}) {
      const res = await started().api('POST', '/api/v2/flags/default', {
        key: 'new-checkout',
        name: 'New checkout',
        ...body,
      });
      expect(res.status).toBe(201);
      return res.body;
    },
    /** The newest audit entry, in full. */
    async latestAudit() {
      const t = started();
      const list = await t.api('GET', '/api/v2/auditlog?limit=1');
      return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
    },
  };
}

/** An entry's accesses as `action resource` lines. */
export function actions(entry: { accesses: { action: string; resource: string }[] }) {
  return entry.accesses.map((a) => `${a.action} ${a.resource}`);
}
