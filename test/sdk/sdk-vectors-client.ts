import type { LDClient } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import type { FlagDoc } from '../../src/features/flags/flag-model.js';
import { type SdkFlag, type SdkSegment, toSdkFlag, toSdkSegment } from '../../src/features/sdk/sdk-model.js';
import type { SegmentDoc } from '../../src/features/segments/segment-model.js';
import { offlineSdk } from '../helpers/offline-sdk.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';

export interface SdkPayload {
  readonly flags: Record<string, SdkFlag>;
  readonly segments: Record<string, SdkSegment>;
}

/**
 * One environment as a `put` event carries it, built from what the REST API says is stored:
 * every flag (archived ones too, as tombstones) and every segment, through the SDK model.
 */
async function everyItem(t: TestSwitchboard, url: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let next: string | undefined = `${url}&limit=100`;
  while (next !== undefined) {
    const res = await t.api('GET', next);
    if (res.status !== 200) throw new Error(`could not read ${next}: ${res.status}`);
    items.push(...res.body.items);
    next = res.body._links.next?.href;
  }
  return items;
}

export async function sdkPayload(
  t: TestSwitchboard,
  projectKey: string,
  envKey: string,
): Promise<SdkPayload> {
  // Lists answer a page at a time and, for flags, a summary unless summary=0: every page in full.
  const live = await everyItem(t, `/api/v2/flags/${projectKey}?summary=0`);
  const archived = await everyItem(t, `/api/v2/flags/${projectKey}?archived=true&summary=0`);
  const segments = await everyItem(t, `/api/v2/segments/${projectKey}/${envKey}?sort=creationDate`);
  const flags: Record<string, SdkFlag> = {};
  for (const flag of [...live, ...archived] as (FlagDoc & { key: string })[]) {
    flags[flag.key] = toSdkFlag(flag.key, flag, envKey);
  }
  const bySegment: Record<string, SdkSegment> = {};
  for (const s of segments as (SegmentDoc & { key: string; _version: number })[]) {
    bySegment[s.key] = toSdkSegment(s.key, s, s._version);
  }
  return { flags, segments: bySegment };
}

/**
 * LaunchDarkly's official server-side SDK holding exactly this payload, with no network: its
 * TestData source takes raw flag and segment JSON (the bytes, re-parsed, as a stream would
 * deliver them) and the SDK evaluates with its own evaluator. No events are sent.
 */
export async function officialSdkWith(payload: SdkPayload): Promise<LDClient> {
  const wire = JSON.parse(JSON.stringify(payload)) as SdkPayload;
  const td = new TestData();
  // biome-ignore-start lint/correctness/useHookAtTopLevel: TestData's `use…` methods are not React hooks
  for (const flag of Object.values(wire.flags)) await td.usePreconfiguredFlag(flag);
  for (const segment of Object.values(wire.segments)) await td.usePreconfiguredSegment(segment);
  // biome-ignore-end lint/correctness/useHookAtTopLevel: see above
  const client = await offlineSdk(td, 'sdk-vectors');
  return client;
}
