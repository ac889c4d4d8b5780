import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../audit/audit-model.js';
import { access, resources } from '../audit/resource-path.js';
import { decodeSdkChange, encodeSdkChange, sdkChangesOf } from './sdk-change.js';

const p = { key: 'shop', tags: [] };
const prod = { key: 'production', tags: [] };
const test = { key: 'test', tags: [] };

const record = (accesses: AuditRecord['taggedAccesses'], currentVersion?: unknown): AuditRecord =>
  ({ entry: {} as AuditRecord['entry'], taggedAccesses: accesses, currentVersion }) as AuditRecord;

describe('sdkChangesOf', () => {
  it('names each environment a flag-wide change touches, once, with its version there', () => {
    const f = { key: 'checkout', tags: [] };
    const changes = sdkChangesOf(
      record(
        [
          access('updateName', ...resources.flag(p, prod, f)),
          access('updateTags', ...resources.flag(p, prod, f)),
          access('updateName', ...resources.flag(p, test, f)),
        ],
        { _version: 9, environments: { production: { version: 4 }, test: { version: 2 } } },
      ),
    );
    expect(changes).toEqual([
      { projectKey: 'shop', envKey: 'production', kind: 'flag', key: 'checkout', version: 4 },
      { projectKey: 'shop', envKey: 'test', kind: 'flag', key: 'checkout', version: 2 },
    ]);
  });

  it('names segments, environments and projects, and nothing else', () => {
    expect(
      sdkChangesOf(
        record([
          access('updateIncluded', ...resources.segment(p, prod, { key: 'beta', tags: [] })),
          access('updateApiKey', ...resources.environment(p, prod)),
          access('deleteProject', ...resources.project(p)),
          access('createMember', ...resources.member('m1', 'a@b.c')),
          access('updateName', ...resources.metric(p, { key: 'm', tags: [] })),
        ]),
      ).map((c) => `${c.kind}:${c.envKey}:${c.key}`),
    ).toEqual(['segment:production:beta', 'environment:production:production', 'project::shop']);
  });
});

describe('SDK change payloads', () => {
  it('round-trip, and anything malformed is refused', () => {
    const change = { projectKey: 'shop', envKey: 'production', kind: 'flag', key: 'a', version: 3 } as const;
    expect(decodeSdkChange(encodeSdkChange('node-1', change))).toEqual({ node: 'node-1', change });
    for (const bad of [
      '',
      'null',
      '{}',
      '[1,2,3,4,5,6]',
      '["n","p","e","bogus","k",1]',
      '["n","p","e","flag","k"]',
    ])
      expect(decodeSdkChange(bad)).toBeUndefined();
  });
});
