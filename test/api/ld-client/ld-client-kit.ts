import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { Configuration } from 'launchdarkly-api-typescript';
import { expect } from 'vitest';
import { adminToken, startTestSwitchboard, type TestSwitchboard } from '../../helpers/test-switchboard.js';
import { modelProblems } from './ld-model.js';

/**
 * LaunchDarkly's official REST client (`launchdarkly-api-typescript`) against a real Switchboard on
 * a real port: `api(FeatureFlagsApi).getFeatureFlags('default', …)` is the call a migrating team's
 * script makes. Errors are answered, not thrown (`validateStatus` accepts every status), so a test
 * can look at a 400's body too.
 */
export interface LdClientKit {
  readonly t: TestSwitchboard;
  readonly baseUrl: string;
  api<A>(Api: new (configuration: Configuration, basePath?: string, axios?: never) => A, token?: string): A;
  close(): Promise<void>;
}

const http = axios.create({ validateStatus: () => true });

export async function startLdClientKit(env: Record<string, string> = {}): Promise<LdClientKit> {
  const t = await startTestSwitchboard(env);
  await t.switchboard.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.switchboard.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    t,
    baseUrl,
    api(Api, token = adminToken) {
      // The client is typed against axios's CommonJS types; the instance is the same at runtime.
      return new Api(new Configuration({ apiKey: token, basePath: baseUrl }), baseUrl, http as never);
    },
    close: () => t.close(),
  };
}

/** Fails with every place where `value` breaks the official client's model `name`. */
export function expectModel(name: string, value: unknown): void {
  expect(modelProblems(name, value), `${name} as the official client declares it`).toEqual([]);
}
