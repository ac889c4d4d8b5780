import { actorName } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { TestOutcome, TestSender } from './delivery-actions.js';
import type { ChannelRegistry, ChannelTarget } from './delivery-channel.js';
import type { OutboundHttp } from './outbound-http.js';

/** The Test button: one message now, outside the queue, and the target's answer as it was. */
export class ChannelTestSender implements TestSender {
  constructor(
    private readonly http: OutboundHttp,
    private readonly channels: ChannelRegistry,
    private readonly clock: () => number,
  ) {}

  async sendTest(target: ChannelTarget, actor: Actor): Promise<TestOutcome> {
    const channel = this.channels.get(target.kind);
    if (channel === undefined) return { ok: false, latencyMs: 0, error: `no channel for "${target.kind}"` };
    const now = this.clock();
    const request = channel.buildTestRequest(target, actorName(actor), { deliveryId: `test_${now}`, now });
    const result = await this.http.post(request.url, request.headers, request.body);
    const outcome = channel.classify(result, this.clock());
    if (result.kind === 'error')
      return { ok: false, latencyMs: result.latencyMs, error: result.message, errorClass: result.errorClass };
    return {
      ok: outcome.outcome === 'delivered',
      statusCode: result.status,
      latencyMs: result.latencyMs,
      ...(result.bodyExcerpt === '' ? {} : { responseBody: result.bodyExcerpt }),
      ...(outcome.outcome === 'delivered' ? {} : { error: outcome.reason }),
    };
  }
}
