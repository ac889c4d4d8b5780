import type { StoredDocument } from '../../db/document-store.js';
import type { Executor } from '../../db/schema.js';
import type { IntegrationDoc } from '../integrations/integration-model.js';

type StoredIntegration = StoredDocument<IntegrationDoc>;

/** Reads one integration (the integrations' document store). */
export interface IntegrationById {
  getById(db: Executor, id: string): Promise<StoredIntegration | undefined>;
}

/** How long a read is trusted at most: a change made in another process is seen within this. */
export const integrationReadMaxAgeMs = 1_000;

/**
 * The integrations a worker sends to, read once per claim instead of once per send: on
 * PostgreSQL that read was a round trip for every notification. A read is reused while it is at
 * least as new as the version the claim saw (the claim joins the integration's row), this
 * process has not changed the integration since (`forget`, after the change commits), and it is
 * younger than `maxAgeMs`. So a switch-off made here stops the very next send, as before, and one
 * made in another process stops a lane already sending within a second or at its next claim,
 * whichever comes first.
 */
export class IntegrationCache {
  private readonly reads = new Map<
    string,
    { readonly integration: StoredIntegration; readonly at: number }
  >();

  constructor(
    private readonly store: IntegrationById,
    private readonly clock: () => number,
    private readonly maxAgeMs = integrationReadMaxAgeMs,
  ) {}

  /** The integration as of `claimedVersion` or later; undefined once it is deleted. */
  async get(db: Executor, id: string, claimedVersion: number): Promise<StoredIntegration | undefined> {
    const now = this.clock();
    const read = this.reads.get(id);
    if (read !== undefined && read.integration.version >= claimedVersion && now - read.at < this.maxAgeMs)
      return read.integration;
    const integration = await this.store.getById(db, id);
    if (integration === undefined) this.reads.delete(id);
    else this.reads.set(id, { integration, at: now });
    return integration;
  }

  /** This process changed the integration (and the change has committed): read it again. */
  forget(id: string): void {
    this.reads.delete(id);
  }
}
