import { useId } from 'react';
import { CopyButton } from './copy-button';

/** The snippet a Node.js developer pastes; Switchboard serves the SDK endpoints on its own address. */
export function connectSnippet(base: string): string {
  return [
    "import { init } from '@launchdarkly/node-server-sdk';",
    '',
    '// sdkKey: the SDK key of your environment (above), e.g. from process.env',
    'const client = init(sdkKey, {',
    `  baseUri: '${base}',`,
    `  streamUri: '${base}',`,
    `  eventsUri: '${base}',`,
    '});',
    'await client.waitForInitialization({ timeout: 10 });',
  ].join('\n');
}

/** How to point LaunchDarkly's Node.js server-side SDK at this Switchboard. */
export function ConnectSdk({ base }: { readonly base: string }) {
  const id = useId();
  const snippet = connectSnippet(base);
  return (
    <section className="card connect-sdk" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Connect an SDK</h2>
      <p className="muted">
        LaunchDarkly’s server-side SDKs read Switchboard’s flags unchanged: give them the environment’s SDK
        key and these three addresses (Node.js: <code>@launchdarkly/node-server-sdk</code> 9.x).
      </p>
      <pre className="raw connect-snippet">
        <code>{snippet}</code>
      </pre>
      <div className="row">
        <CopyButton text={snippet} label="Copy the Node.js snippet" />
      </div>
    </section>
  );
}
