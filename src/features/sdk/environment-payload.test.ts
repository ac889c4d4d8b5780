import { describe, expect, it } from 'vitest';
import { EnvironmentPayload, type PayloadChange } from './environment-payload.js';

const flag = (key: string, version: number, extra: Record<string, unknown> = {}) => ({
  key,
  version,
  deleted: false,
  on: false,
  ...extra,
});

const text = (change: PayloadChange) => (change.kind === 'event' ? change.event.toString() : change.kind);

describe('EnvironmentPayload', () => {
  it('serializes the environment once per change, with a put event of the same bytes', () => {
    const payload = new EnvironmentPayload(
      [flag('a', 1), flag('b', 2)],
      [{ key: 's', version: 3, deleted: false }],
    );
    const first = payload.snapshot();
    expect(JSON.parse(first.body.toString())).toEqual({
      flags: { a: flag('a', 1), b: flag('b', 2) },
      segments: { s: { key: 's', version: 3, deleted: false } },
    });
    expect(first.put.toString()).toBe(`event: put\ndata: {"path":"/","data":${first.body}}\n\n`);
    // Memoized until something changes: the same object, hence the same bytes for every stream.
    expect(payload.snapshot()).toBe(first);
    payload.apply('flags', 'a', flag('a', 2, { on: true }));
    expect(payload.snapshot()).not.toBe(first);
    expect(payload.snapshot().etag).not.toBe(first.etag);
  });

  it('patches a change whose version grows and ignores one that changes nothing', () => {
    const payload = new EnvironmentPayload([flag('a', 1)], []);
    expect(text(payload.apply('flags', 'a', flag('a', 1)))).toBe('unchanged');
    const patch = payload.apply('flags', 'a', flag('a', 2, { on: true }));
    expect(text(patch)).toBe(
      `event: patch\ndata: {"path":"/flags/a","data":${JSON.stringify(flag('a', 2, { on: true }))}}\n\n`,
    );
    expect(text(payload.apply('segments', 'new', { key: 'new', version: 1, deleted: false }))).toMatch(
      /^event: patch\ndata: \{"path":"\/segments\/new"/,
    );
  });

  it('announces a deletion or an archive above the last version, and keeps the tombstone', () => {
    const payload = new EnvironmentPayload([flag('a', 4), flag('b', 2)], []);
    expect(text(payload.apply('flags', 'a', undefined))).toBe(
      'event: delete\ndata: {"path":"/flags/a","version":5}\n\n',
    );
    expect(text(payload.apply('flags', 'a', undefined))).toBe('unchanged');
    expect(text(payload.apply('flags', 'b', flag('b', 3, { deleted: true })))).toBe(
      'event: delete\ndata: {"path":"/flags/b","version":3}\n\n',
    );
    expect(JSON.parse(payload.snapshot().body.toString()).flags).toEqual({});
    expect(payload.item('flags', 'a')).toBeUndefined();
    expect(payload.versionOf('flags', 'a')).toBe(5);
  });

  it('asks for a put when a change cannot be told with a growing version', () => {
    const payload = new EnvironmentPayload([flag('a', 4)], []);
    payload.apply('flags', 'a', undefined);
    // Deleted and created again: version 1 is below the tombstone the SDKs hold.
    expect(text(payload.apply('flags', 'a', flag('a', 1)))).toBe('reset');
    expect(JSON.parse(payload.snapshot().body.toString()).flags.a).toEqual(flag('a', 1));
  });

  it('gives one item its own strong ETag', () => {
    const payload = new EnvironmentPayload([flag('a', 1)], []);
    const item = payload.item('flags', 'a');
    expect(item?.json).toBe(JSON.stringify(flag('a', 1)));
    expect(item?.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    payload.apply('flags', 'a', flag('a', 2));
    expect(payload.item('flags', 'a')?.etag).not.toBe(item?.etag);
  });
});
