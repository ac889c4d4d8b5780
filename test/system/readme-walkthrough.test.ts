import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
/** The shell blocks the README marks with `<!-- walkthrough -->`, in order. */
const steps = [...readme.matchAll(/<!-- walkthrough -->\s*```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
const token = 'api-readme-walkthrough-0123456789';

let server: ServerProcess;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-readme-'));

beforeAll(async () => {
  server = await startServerProcess({
    SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'switchboard.db')}`,
    SWITCHBOARD_ADMIN_TOKEN: token,
  });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the README curl walkthrough', () => {
  it('has the steps the issue asks for', () => {
    expect(steps).toHaveLength(5);
  });

  it('works exactly as written', async () => {
    const outputs: unknown[] = [];
    for (const step of steps) {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', step], {
        env: { PATH: process.env.PATH ?? '', SB: `${server.baseUrl}/api/v2`, TOKEN: token },
      });
      const body = JSON.parse(stdout) as Record<string, unknown>;
      expect(body.code, `${step}\n${stdout}`).toBeUndefined();
      outputs.push(body);
    }
    const [project, flag, on, off, audit] = outputs;
    expect(project).toMatchObject({ key: 'default' });
    expect(flag).toMatchObject({ key: 'new-checkout', kind: 'boolean' });
    expect(on).toMatchObject({ environments: { production: { on: true } } });
    expect(off).toMatchObject({ environments: { production: { on: false } } });
    const items = (
      audit as unknown as { items: { titleVerb: string; comment: string; accesses: unknown[] }[] }
    ).items;
    expect(items.map((e) => [e.titleVerb, e.comment])).toEqual([
      ['turned off the flag', 'Off again'],
      ['turned on the flag', 'Ship it'],
    ]);
    expect(items[1]?.accesses).toEqual([
      { action: 'updateOn', resource: 'proj/default:env/production:flag/new-checkout' },
    ]);
  });
});
