import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoopbackServer } from '../helpers/loopback-fake.js';
import { startTestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * Issue #13, finding 11: IPv6 forms that carry an IPv4 address passed the SSRF guard as public.
 * A host, a translator (SIIT, NAT64) or a tunnel (Teredo, 6to4) turns them back into that IPv4
 * address, so a HipChat server typed as one of them could reach loopback or the internal network.
 */
let listener: LoopbackServer;
let requests = 0;

beforeAll(async () => {
  listener = await LoopbackServer.listen((_req, res) => {
    requests++;
    res.writeHead(204).end();
  });
});
afterAll(async () => {
  await listener.close();
});

// Each one names 127.0.0.1 (or, for `2001::7f00:1`, the Teredo server 0.0.0.0).
const embeddings: readonly [form: string, host: string][] = [
  ['IPv4-translated (RFC 6145)', '::ffff:0:127.0.0.1'],
  ['local-use NAT64 (RFC 8215)', '64:ff9b:1::7f00:1'],
  ['well-known NAT64 (RFC 6052)', '64:ff9b::7f00:1'],
  ['Teredo server (RFC 4380)', '2001::7f00:1'],
  ['Teredo client, inverted (RFC 4380)', '2001:0:4136:e378:8000:63bf:80ff:fffe'],
  ['6to4 (RFC 3056)', '2002:7f00:1::'],
  ['IPv4-compatible (RFC 4291)', '::7f00:1'],
  ['IPv4-mapped (RFC 4291)', '::ffff:7f00:1'],
];

describe('SSRF through IPv4 embedded in IPv6', () => {
  it('refuses a HipChat server at any IPv4-embedding IPv6 form of loopback, on save and on send', async () => {
    for (const [form, host] of embeddings) {
      const target = `http://[${host}]:${listener.port}`;
      const t = await startTestSwitchboard({
        SWITCHBOARD_HIPCHAT_URL: target,
        SWITCHBOARD_RETRY_SCHEDULE: '0',
      });
      try {
        const saved = await t.api('POST', '/api/v2/integrations/hipchat', {
          name: 'Internal',
          config: { room: 'Ops', token: 'ops-room-token-0123456789', server: target },
        });
        expect(saved.status, form).toBe(400);
        expect(saved.body.message, form).toContain('/config/server');
        expect(saved.body.message, form).toContain('SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true');

        // The operator's default server is not checked on save, so the connection itself refuses.
        const created = await t.api('POST', '/api/v2/integrations/hipchat', {
          name: 'Ops',
          config: { room: 'Ops', token: 'ops-room-token-0123456789' },
        });
        expect(created.status, form).toBe(201);
        const sent = await t.api('POST', `/api/v2/integrations/hipchat/${created.body._id}/test`);
        expect(sent.body.ok, form).toBe(false);
        expect(sent.body.error, form).toContain('SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true');
      } finally {
        await t.close();
      }
    }
    expect(requests).toBe(0);
  });
});
