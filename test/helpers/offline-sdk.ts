import { basicLogger, init, type LDClient } from '@launchdarkly/node-server-sdk';
import type { TestData } from '@launchdarkly/node-server-sdk/integrations';

/**
 * LaunchDarkly's official server-side SDK fed by a TestData source instead of the network, so it
 * evaluates whatever flags and segments the caller loads into `td` with its own evaluator. Sends
 * no events and logs nothing; initialized when returned.
 */
export async function offlineSdk(td: TestData, name: string): Promise<LDClient> {
  const client = init(`${name}-offline`, {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: basicLogger({ level: 'none' }),
  });
  await client.waitForInitialization({ timeout: 5 });
  return client;
}
