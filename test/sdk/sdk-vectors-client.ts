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
export async function sdkPayload(
  t: TestSwitchboard,
  projectKey: string,
  envKey: string,
): Promise<SdkPayload> {
  const live = await t.api('GET', `/api/v2/flags/${projectKey}`);
  const archived = await t.api('GET', `/api/v2/flags/${projectKey}?archived=true`);
  const segments = await t.api('GET', `/api/v2/segments/${projectKey}/${envKey}`);
  if (live.status !== 200 || archived.status !== 200 || segments.status !== 200)
    throw new Error(
      `could not read project ${projectKey}: ${live.status} ${archived.status} ${segments.status}`,
    );
  const flags: Record<string, SdkFlag> = {};
  for (const flag of [...live.body.items, ...archived.body.items] as (FlagDoc & { key: string })[]) {
    flags[flag.key] = toSdkFlag(flag.key, flag, envKey);
  }
  const bySegment: Record<string, SdkSegment> = {};
  for (const s of segments.body.items as (SegmentDoc & { key: string; _version: number })[]) {
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
