import { actorName } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { OutboundHttp } from '../delivery/outbound-http.js';
import { buildHipChatRequest, classifyHipChatResult } from './channels/hipchat/hipchat-client.js';
import { renderHipChatTestMessage } from './channels/hipchat/hipchat-message.js';
import type { IntegrationDoc } from './integration-model.js';
import type { TestOutcome, TestSender } from './integration-service.js';

/** The Test button: one message now, outside the queue, and HipChat's answer as it was. */
export class HipChatTestSender implements TestSender {
  constructor(
    private readonly http: OutboundHttp,
    private readonly defaultServer: string,
    private readonly clock: () => number,
  ) {}

  async sendTest(
    integration: { id: string; doc: IntegrationDoc; token: string },
    actor: Actor,
  ): Promise<TestOutcome> {
    const { doc, token } = integration;
    const request = buildHipChatRequest(
      { server: doc.config.server ?? this.defaultServer, room: doc.config.room, token },
      renderHipChatTestMessage(doc.name, actorName(actor)),
    );
    const result = await this.http.post(request.url, request.headers, request.body);
    const outcome = classifyHipChatResult(result, this.clock());
    if (result.kind === 'error') {
      return { ok: false, latencyMs: result.latencyMs, error: result.message };
    }
    return {
      ok: outcome.outcome === 'delivered',
      statusCode: result.status,
      latencyMs: result.latencyMs,
      ...(result.bodyExcerpt === '' ? {} : { responseBody: result.bodyExcerpt }),
      ...(outcome.outcome === 'delivered' ? {} : { error: outcome.reason }),
    };
  }
}
