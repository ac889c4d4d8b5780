import type { Kysely } from 'kysely';
import type { Database, Executor } from '../../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-errors.js';
import { compilePolicy } from '../../policy/compile-policy.js';
import { matchesEntry } from '../../policy/evaluate-policy.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../shared/json-patch.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { assertMayHear } from '../access/filter-visibility.js';
import type { Actor, AuditEntry, TaggedAccess } from '../audit/audit-model.js';
import type { AuditStore } from '../audit/audit-store.js';
import type { ChangeLog } from '../audit/change-log.js';
import { withoutSecrets } from '../audit/secret-redaction.js';
import type { DeliveryActions, RecordedTest } from '../delivery/delivery-actions.js';
import { addedEntry, deletedEntry, updateChanges, updatedEntry } from './integration-audit.js';
import {
  type Integration,
  type IntegrationDoc,
  IntegrationDocSchema,
  selfLinks,
} from './integration-model.js';
import type { IntegrationHealthReader, IntegrationQueue } from './integration-status.js';
import type { IntegrationStore, StoredIntegration } from './integration-store.js';
import { kindNamed } from './kinds/index.js';
import type { IntegrationKindModule, ParsedConfig, PreviousConfig } from './kinds/kind.js';

/** Says why a target URL is refused (private address without the allow flag), or undefined. */
export type TargetGuard = (url: string) => Promise<string | undefined>;

/** An integration as its kind's REST API shows it (`/integrations/{kind}` or `/webhooks`). */
export type IntegrationApiDocument = Record<string, unknown>;

/** What creating one takes; `config` is the kind's own (for webhooks: url, secret, sign). */
export interface IntegrationInput {
  readonly name?: string | undefined;
  readonly on?: boolean | undefined;
  readonly config: Record<string, unknown>;
  readonly statements?: unknown;
  readonly tags?: string[] | undefined;
}

/** How many recent audit entries a policy preview looks at. */
export const previewWindow = 100;

export function checkStatements(statements: unknown): IntegrationDoc['statements'] {
  const result = validatePolicy(statements);
  if (!result.ok) {
    throw new ValidationError(
      result.errors.map((e) => ({ pointer: `/statements${e.pointer}`, message: e.message })),
    );
  }
  return result.statements as unknown as IntegrationDoc['statements'];
}

const integrationReadOnly = ['_id', '_links', '_version', 'kind', '_status', 'creationDate'];

export interface IntegrationServiceOptions {
  readonly db: Kysely<Database>;
  readonly store: IntegrationStore;
  readonly changes: ChangeLog;
  readonly queue: IntegrationQueue;
  readonly health: IntegrationHealthReader;
  readonly audit: Pick<AuditStore, 'recent'>;
  readonly secrets: SecretBox;
  readonly actions: Pick<DeliveryActions, 'test' | 'resend'>;
  readonly guard: TargetGuard;
  /** An integration's change or deletion has committed (this process's worker reads it again). */
  readonly changed?: ((id: string) => void) | undefined;
}

/**
 * Every integration kind's settings, webhooks included: one table, one set of use cases; what
 * differs between kinds is asked of the kind's module (kinds/<kind>/).
 */
export class IntegrationService {
  constructor(private readonly o: IntegrationServiceOptions) {}

  async list(kind: string): Promise<IntegrationApiDocument[]> {
    const spec = this.spec(kind);
    const rows = await this.o.store.list(this.o.db, kind);
    return Promise.all(rows.map((row) => this.represent(this.o.db, spec, row)));
  }

  async get(kind: string, id: string): Promise<IntegrationApiDocument> {
    const spec = this.spec(kind);
    return this.represent(this.o.db, spec, await this.load(this.o.db, spec, id));
  }

  async create(actor: Actor, kind: string, input: IntegrationInput): Promise<IntegrationApiDocument> {
    const spec = this.spec(kind);
    const parsed = spec.parse(input.config, undefined);
    const statements = checkStatements(input.statements ?? []);
    assertMayHear(actor, statements);
    await this.checkTargets(parsed.targets);
    const secret = parsed.secret;
    if (typeof secret !== 'string') throw ValidationError.at('/config', 'a secret is required');
    const name = input.name ?? parsed.defaultName;
    if (name === undefined) throw ValidationError.at('/name', 'is required');
    return this.o.changes.transact(async (tx, record) => {
      const id = newId();
      const now = this.o.changes.now();
      const doc: IntegrationDoc = {
        name,
        on: input.on ?? true,
        config: parsed.config,
        statements,
        tags: input.tags ?? [],
        creationDate: now,
      };
      const stored = await this.o.store.insert(tx, {
        id,
        scope: kind,
        key: id,
        doc,
        createdAt: now,
        secret: this.o.secrets.seal(secret, id),
      });
      const integration = await this.integrationOf(tx, spec, stored);
      const current = apiOf(spec, integration);
      await record(
        withoutSecrets(
          { ...addedEntry(spec, id, doc), name: doc.name, actor, currentVersion: current },
          { values: spec.secretValues(secret, doc.config), pointers: spec.secretPointers },
        ),
      );
      return apiOf(spec, integration, parsed.reveal);
    });
  }

  async update(
    actor: Actor,
    kind: string,
    id: string,
    request: PatchRequest,
  ): Promise<IntegrationApiDocument> {
    const spec = this.spec(kind);
    const result = await this.o.changes.transact(async (tx, record) => {
      const stored = await this.load(tx, spec, id);
      const before = await this.represent(tx, spec, stored);
      const previous: PreviousConfig = { config: stored.doc.config, secret: await this.openSecret(tx, id) };
      const { doc, parsed } = this.edited(spec, stored, previous, before, request);
      await this.checkTargets(parsed.targets);
      const changes = updateChanges(spec, stored.doc, doc, parsed.changes);
      if (changes.length === 0) return before;
      // What it sends and where: whoever changes that (or turns it on) must be able to read it.
      if (doc.on && changes.some((c) => c.action !== 'updateName')) assertMayHear(actor, doc.statements);
      const newSecret = typeof parsed.secret === 'string' ? parsed.secret : undefined;
      const sealed = newSecret === undefined ? undefined : this.o.secrets.seal(newSecret, id);
      const updated = await this.o.store.update(tx, stored, doc, sealed);
      const integration = await this.integrationOf(tx, spec, updated);
      const after = apiOf(spec, integration);
      await record(
        withoutSecrets(
          {
            ...updatedEntry(spec, id, doc.on, changes),
            name: doc.name,
            actor,
            comment: request.comment,
            previousVersion: before,
            currentVersion: after,
            delta: request.patch,
          },
          // The old secret and the new one, wherever the patch (or a careless name) put them.
          {
            values: [
              ...spec.secretValues(previous.secret, previous.config),
              ...(newSecret === undefined ? [] : spec.secretValues(newSecret, doc.config)),
            ],
            pointers: spec.secretPointers,
          },
        ),
      );
      return apiOf(spec, integration, parsed.reveal);
    });
    this.o.changed?.(id);
    return result;
  }

  /** The patched document, checked: the kind parses its config against what is stored. */
  private edited(
    spec: IntegrationKindModule,
    stored: StoredIntegration,
    previous: PreviousConfig,
    before: IntegrationApiDocument,
    request: PatchRequest,
  ): { doc: IntegrationDoc; parsed: ParsedConfig } {
    const view = spec.view;
    const editable = view === undefined ? before : view.editable(before, previous);
    const patched = applyJsonPatch(editable, request.patch, '/patch');
    assertUnchanged(before, patched, view?.readOnly ?? integrationReadOnly);
    const {
      _id,
      _links,
      _version,
      kind: _kind,
      _status,
      ...rest
    } = view === undefined ? patched : { ...view.fromApi(patched), creationDate: stored.doc.creationDate };
    if (typeof rest.config !== 'object' || rest.config === null)
      throw ValidationError.at('/config', 'must be an object');
    const parsed = spec.parse(rest.config as Record<string, unknown>, previous);
    const doc = { ...rest, config: parsed.config } as IntegrationDoc;
    checkSchema(IntegrationDocSchema, doc);
    checkSchema(spec.storedSchema, doc.config);
    doc.statements = checkStatements(doc.statements);
    return { doc, parsed };
  }

  async delete(actor: Actor, kind: string, id: string): Promise<void> {
    const spec = this.spec(kind);
    await this.o.changes.transact(async (tx, record) => {
      const stored = await this.load(tx, spec, id);
      const before = await this.represent(tx, spec, stored);
      const secret = await this.openSecret(tx, id);
      await this.o.queue.forget(tx, id);
      await this.o.store.delete(tx, stored);
      await record(
        withoutSecrets(
          { ...deletedEntry(spec, id, stored.doc), name: stored.doc.name, actor, previousVersion: before },
          { values: spec.secretValues(secret, stored.doc.config), pointers: spec.secretPointers },
        ),
      );
    });
    this.o.changed?.(id);
  }

  /** Sends a test message now (the route lets whoever may switch the integration on and off). */
  async test(actor: Actor, kind: string, id: string): Promise<RecordedTest> {
    const spec = this.spec(kind);
    const stored = await this.load(this.o.db, spec, id);
    const { name, config } = stored.doc;
    return this.o.actions.test(
      { id, kind, name, config, secret: await this.openSecret(this.o.db, id) },
      actor,
    );
  }

  /**
   * Re-sends a dead or dropped delivery: it becomes pending again with a fresh attempt budget.
   * Like the test, it is for whoever may switch the integration on and off.
   */
  async retryDelivery(kind: string, id: string, deliveryId: number): Promise<void> {
    const spec = this.spec(kind);
    await this.load(this.o.db, spec, id);
    await this.o.actions.resend(id, deliveryId, `${spec.noun} "${id}"`);
  }

  /** Which of the recent audit entries a filter would have let through. */
  /** Only entries `visible` lets through are shown: a preview is a read of the audit log. */
  async preview(
    statements: unknown,
    visible: (accesses: readonly TaggedAccess[]) => boolean,
  ): Promise<{ items: AuditEntry[]; scanned: number }> {
    const valid = checkStatements(statements ?? []);
    const policy = valid.length === 0 ? null : compilePolicy(valid as never);
    const recent = await this.o.audit.recent(this.o.db, previewWindow);
    return {
      items: recent
        .filter((r) => visible(r.accesses) && matchesEntry(policy, r.accesses))
        .map((r) => r.entry),
      scanned: recent.length,
    };
  }

  /**
   * Rewrites rows stored in a kind's older layout (webhook URLs from before they were sealed).
   * Run at start-up; a row another node rewrites at the same moment is left to it.
   */
  async upgradeStoredRows(kinds: readonly IntegrationKindModule[]): Promise<number> {
    let upgraded = 0;
    for (const spec of kinds) {
      const upgrade = spec.upgrade;
      if (upgrade === undefined) continue;
      for (const row of await this.o.store.list(this.o.db, spec.kind)) {
        if (!upgrade.needed(row.doc.config)) continue;
        try {
          await this.o.changes.transact(async (tx) => {
            const stored = await this.load(tx, spec, row.id);
            const next = upgrade.rewrite(stored.doc.config, await this.openSecret(tx, row.id));
            const doc = { ...stored.doc, config: next.config };
            await this.o.store.update(tx, stored, doc, this.o.secrets.seal(next.secret, row.id));
          });
          upgraded++;
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    }
    return upgraded;
  }

  /** Refuses a target on a private address at save time, with the guard's reason. */
  private async checkTargets(targets: ParsedConfig['targets']): Promise<void> {
    for (const target of targets) {
      const refusal = await this.o.guard(target.url);
      if (refusal !== undefined) throw ValidationError.at(target.pointer, refusal);
    }
  }

  private spec(kind: string): IntegrationKindModule {
    const spec = kindNamed(kind);
    if (spec === undefined) throw new NotFoundError(`Integration "${kind}" is not available`);
    return spec;
  }

  private async openSecret(db: Executor, id: string): Promise<string | undefined> {
    const sealed = await this.o.store.getSecret(db, id);
    return sealed == null ? undefined : this.o.secrets.open(sealed, id);
  }

  private async load(db: Executor, spec: IntegrationKindModule, id: string): Promise<StoredIntegration> {
    const stored = await this.o.store.getById(db, id);
    if (stored === undefined || stored.scope !== spec.kind) {
      const noun = spec.noun === 'webhook' ? 'Webhook' : 'Integration';
      throw new NotFoundError(`${noun} "${id}" not found`);
    }
    return stored;
  }

  private async represent(
    db: Executor,
    spec: IntegrationKindModule,
    stored: StoredIntegration,
  ): Promise<IntegrationApiDocument> {
    return apiOf(spec, await this.integrationOf(db, spec, stored));
  }

  private async integrationOf(
    db: Executor,
    spec: IntegrationKindModule,
    stored: StoredIntegration,
  ): Promise<Integration> {
    return {
      _id: stored.id,
      _links: selfLinks(`/api/v2/integrations/${stored.scope}/${stored.id}`),
      _version: stored.version,
      kind: stored.scope,
      ...stored.doc,
      config: spec.represent(stored.doc.config),
      _status: await this.o.health.statusOf(db, stored.id),
    };
  }
}

/** The kind's API document; `reveal` is a secret shown in this answer only. */
function apiOf(
  spec: IntegrationKindModule,
  integration: Integration,
  reveal?: string,
): IntegrationApiDocument {
  return spec.view === undefined ? integration : spec.view.toApi(integration, reveal);
}
