import { type Static, Type } from '@sinclair/typebox';
import { errorResponses, Links } from '../../http/common-schemas.js';
import type { RecordedTest } from './delivery-actions.js';
import type { DeliveryLog } from './delivery-log.js';

/**
 * The schemas and answers of the routes every kind of integration has beside its settings
 * (ours, not LaunchDarkly's): `…/test`, `…/deliveries` and `…/deliveries/{deliveryId}/retry`.
 */

const Attempt = Type.Object({
  attempt: Type.Integer(),
  at: Type.Integer(),
  outcome: Type.String(),
  statusCode: Type.Optional(Type.Integer()),
  latencyMs: Type.Integer(),
  errorClass: Type.Optional(Type.String()),
  responseExcerpt: Type.Optional(Type.String()),
});

const Delivery = Type.Object({
  _id: Type.Integer(),
  auditId: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  status: Type.String({
    description: 'pending, done, dead (gave up; re-sendable) or dropped (integration was off)',
  }),
  attempts: Type.Integer(),
  createdAt: Type.Integer(),
  nextAttemptAt: Type.Optional(Type.Integer()),
  finishedAt: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  waitingFor: Type.Optional(
    Type.Union([Type.Literal('rateLimit'), Type.Literal('earlierDelivery')], {
      description:
        "Why a pending delivery not tried yet waits: rateLimit (the chat service's limit, until nextAttemptAt) or earlierDelivery (an older one of this integration goes first)",
    }),
  ),
  attemptLog: Type.Array(Attempt),
});

const TestMessage = Type.Object({
  _id: Type.Integer(),
  at: Type.Integer(),
  ok: Type.Boolean(),
  statusCode: Type.Optional(Type.Integer()),
  latencyMs: Type.Integer(),
  errorClass: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String({ description: "The answer's excerpt, or the network error" })),
  actorName: Type.Optional(Type.String({ description: 'Who sent the test' })),
});

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    before: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const deliveriesResponses = {
  200: Type.Object({
    items: Type.Array(Delivery),
    tests: Type.Array(TestMessage, {
      description:
        'Test button messages sent in the time this page covers, newest first (the last 20 per integration are kept); they count in `_status` as deliveries do',
    }),
    _links: Links,
  }),
  ...errorResponses,
};

export const testResponses = {
  200: Type.Object({
    ok: Type.Boolean(),
    statusCode: Type.Optional(Type.Integer()),
    latencyMs: Type.Integer(),
    responseBody: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
    errorClass: Type.Optional(
      Type.String({
        description: 'timeout, dns, connection_refused, connection_reset, tls, ssrf_refused, network',
      }),
    ),
    at: Type.Integer({ description: 'When the test was recorded (its row in the delivery log)' }),
  }),
  ...errorResponses,
};

export type { Wake } from './delivery-actions.js';

export const resendResponses = { 202: Type.Object({ queued: Type.Boolean() }), ...errorResponses };

/** A test's outcome as answered: whole milliseconds. */
export function testAnswer(outcome: RecordedTest): RecordedTest {
  return { ...outcome, latencyMs: Math.round(outcome.latencyMs) };
}

/** One page of an integration's delivery log, newest first, linking to the next at `path`. */
export async function deliveriesPage(
  log: DeliveryLog,
  integrationId: string,
  path: string,
  query: Static<typeof DeliveriesQuery>,
) {
  const page = await log.page(integrationId, query.limit ?? 20, query.before);
  return {
    items: page.items,
    tests: page.tests,
    _links: {
      self: { href: path, type: 'application/json' },
      ...(page.next === undefined
        ? {}
        : { next: { href: `${path}?before=${page.next}`, type: 'application/json' } }),
    },
  };
}
