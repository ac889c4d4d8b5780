// LaunchDarkly's official browser SDK, as an application would use it, pointed at the
// Switchboard named in the page's query (?base=…&id=<client-side ID>&key=<context key>).
// Plain JavaScript: the repository's TypeScript has no DOM types outside web/.
import { basicLogger, createClient } from '@launchdarkly/js-client-sdk';

const params = new URLSearchParams(location.search);
const base = params.get('base');
const show = (id, text) => {
  document.getElementById(id).textContent = text;
};

const client = createClient(
  params.get('id'),
  { kind: 'user', key: params.get('key'), email: params.get('email') ?? undefined },
  {
    baseUri: base,
    streamUri: base,
    eventsUri: base,
    streaming: true,
    withReasons: true,
    logger: basicLogger({ level: 'warn' }),
  },
);

let changes = 0;
client.on('change', () => {
  changes += 1;
  show('changes', String(changes));
  show('value', JSON.stringify(client.variation('checkout', 'fallback')));
});

client.start({ timeout: 10 }).then((result) => {
  show('status', result.status);
  show('value', JSON.stringify(client.variation('checkout', 'fallback')));
});
