import type { Kysely, Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database, Executor } from '../../db/schema.js';
import { NotFoundError, ValidationError } from '../../errors/app-errors.js';
import { compilePolicy } from '../../policy/compile-policy.js';
import { matchesEntry } from '../../policy/evaluate-policy.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../shared/json-patch.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { assertMayHear } from '../access/filter-visibility.js';
import { mdValue } from '../audit/audit-builder.js';
import type { Actor, AuditEntry, TaggedAccess } from '../audit/audit-model.js';
import type { AuditStore } from '../audit/audit-store.js';
import { assertAllowed, type ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import { withoutSecrets } from '../audit/secret-redaction.js';
import type { DeliveryActions, TestOutcome } from '../delivery/delivery-actions.js';
import { IntegrationHealthView } from '../delivery/integration-health-view.js';
import type { DeliveryQueue } from '../delivery/queue/delivery-queue.js';
import type { Stores } from '../stores.js';
import { IntegrationDirectory } from './integration-directory.js';
import { integrationKinds, type ParsedConfig } from './integration-kinds.js';
import {
  type Integration,
  type IntegrationDoc,
  IntegrationDocSchema,
  type IntegrationKind,
  type IntegrationPost,
  type IntegrationStatus,
} from './integration-model.js';

type StoredIntegration = StoredDocument<IntegrationDoc>;

/** Says why a target URL is refused (private address without the allow flag), or undefined. */
export type TargetGuard = (url: string) => Promise<string | undefined>;

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

const readOnly = ['_id', '_links', '_version', 'kind', '_status', 'creationDate'];

export class IntegrationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: Stores,
    private readonly changes: ChangeLog,
    private readonly outbox: DeliveryQueue,
    private readonly audit: AuditStore,
    private readonly secrets: SecretBox,
    private readonly actions: DeliveryActions,
    private readonly guard: TargetGuard,
  ) {}

  /** Refuses a target on a private address at save time, with the guard's reason. */
  private async checkTargets(targets: ParsedConfig['targets']): Promise<void> {
    for (const target of targets) {
      const refusal = await this.guard(target.url);
      if (refusal !== undefined) throw ValidationError.at(target.pointer, refusal);
    }
  }

  async list(kind: string): Promise<Integration[]> {
    const rows = await this.stores.integrations.list(this.db, kind);
    return Promise.all(rows.map((row) => this.represent(this.db, row)));
  }

  async get(kind: string, id: string): Promise<Integration> {
    return this.represent(this.db, await this.load(this.db, kind, id));
  }

  async create(actor: Actor, kind: string, input: IntegrationPost): Promise<Integration> {
    const spec = integrationKinds[kind as IntegrationKind];
    const parsed = spec.parse(input.config, undefined);
    const statements = checkStatements(input.statements ?? []);
    assertMayHear(actor, statements);
    await this.checkTargets(parsed.targets);
    const secret = parsed.secret;
    if (typeof secret !== 'string') throw ValidationError.at('/config', 'a secret is required');
    return this.changes.transact(async (tx, record) => {
      const id = newId();
      const now = this.changes.now();
      const doc: IntegrationDoc = {
        name: input.name,
        on: input.on ?? true,
        config: parsed.config,
        statements,
        tags: input.tags ?? [],
        creationDate: now,
      };
      const stored = await this.stores.integrations.insert(tx, {
        id,
        scope: kind,
        key: id,
        doc,
        createdAt: now,
        secret: this.secrets.seal(secret, id),
      });
      await IntegrationDirectory.touch(tx);
      const current = await this.represent(tx, stored);
      await record(
        withoutSecrets(
          {
            kind: 'integration',
            name: doc.name,
            actor,
            accesses: [access('createIntegration', ...resources.integration(id))],
            titleVerb: `added the ${spec.label} integration`,
            sitePath: `/integrations/${kind}/${id}`,
            changes: [
              `Added ${spec.describe(doc.config)} ${doc.on ? '(on)' : '(off)'}, ${statements.length === 0 ? 'for every change' : `filtered by ${statements.length} statement(s)`}`,
            ],
            currentVersion: current,
          },
          { values: [secret], pointers: spec.secretPointers },
        ),
      );
      return current;
    });
  }

  async update(actor: Actor, kind: string, id: string, request: PatchRequest): Promise<Integration> {
    return this.changes.transact(async (tx, record) => {
      const stored = await this.load(tx, kind, id);
      const before = await this.represent(tx, stored);
      const patched = applyJsonPatch(before, request.patch, '/patch');
      assertUnchanged(before, patched, readOnly);
      const { _id, _links, _version, kind: _kind, _status, ...rest } = patched;
      if (typeof rest.config !== 'object' || rest.config === null)
        throw ValidationError.at('/config', 'must be an object');
      const spec = integrationKinds[kind as IntegrationKind];
      const parsed = spec.parse(rest.config as Record<string, unknown>, stored.doc.config);
      const doc = { ...rest, config: parsed.config, statements: rest.statements } as IntegrationDoc;
      checkSchema(IntegrationDocSchema, doc);
      doc.statements = checkStatements(doc.statements);
      await this.checkTargets(parsed.targets);
      const newSecret = typeof parsed.secret === 'string' ? parsed.secret : undefined;
      const tokenChanged = newSecret !== undefined;
      const actions: string[] = [];
      const lines: string[] = [];
      if (doc.name !== stored.doc.name) {
        actions.push('updateName');
        lines.push(`Changed the name from ${mdValue(stored.doc.name)} to ${mdValue(doc.name)}`);
      }
      if (doc.on !== stored.doc.on) {
        actions.push('updateOn');
        lines.push(doc.on ? 'Turned the integration on' : 'Turned the integration off');
      }
      const configLines: string[] = [];
      const keys = new Set([...Object.keys(stored.doc.config), ...Object.keys(doc.config)]);
      for (const key of keys) {
        const was = stored.doc.config[key];
        const now = doc.config[key];
        if (JSON.stringify(was) === JSON.stringify(now)) continue;
        const label = spec.fieldLabels[key] ?? key;
        if (key === 'template') {
          configLines.push(
            now === undefined ? 'Removed the message template' : 'Changed the message template',
          );
        } else {
          configLines.push(
            `Changed ${label} from ${mdValue(was ?? 'default')} to ${mdValue(now ?? 'default')}`,
          );
        }
      }
      if (tokenChanged) configLines.push(`Replaced the ${spec.secretLabel}`);
      if (JSON.stringify(doc.statements) !== JSON.stringify(stored.doc.statements)) {
        configLines.push(
          doc.statements.length === 0
            ? 'Removed the policy filter: every change is sent'
            : `Changed the policy filter to ${mdValue(doc.statements)}`,
        );
      }
      if (JSON.stringify(doc.tags) !== JSON.stringify(stored.doc.tags)) {
        configLines.push(`Changed the tags from ${mdValue(stored.doc.tags)} to ${mdValue(doc.tags)}`);
      }
      if (configLines.length > 0) actions.push('updateConfiguration');
      lines.push(...configLines);
      if (actions.length === 0) return before;
      // What it sends and where: whoever changes that (or turns it on) must be able to read it.
      if (doc.on && (actions.includes('updateConfiguration') || actions.includes('updateOn'))) {
        assertMayHear(actor, doc.statements);
      }

      const updated = await this.stores.integrations.update(
        tx,
        stored,
        doc,
        newSecret !== undefined ? { secret: this.secrets.seal(newSecret, id) } : {},
      );
      await IntegrationDirectory.touch(tx);
      const after = await this.represent(tx, updated);
      const onlyOn = actions.length === 1 && actions[0] === 'updateOn';
      await record(
        withoutSecrets(
          {
            kind: 'integration',
            name: doc.name,
            actor,
            comment: request.comment,
            accesses: actions.map((a) => access(a, ...resources.integration(id))),
            titleVerb: onlyOn
              ? doc.on
                ? 'turned on the integration'
                : 'turned off the integration'
              : 'updated the integration',
            sitePath: `/integrations/${kind}/${id}`,
            changes: lines,
            previousVersion: before,
            currentVersion: after,
            delta: request.patch,
          },
          // The old token and the new one, wherever the patch (or a careless name) put them.
          { values: [await this.openSecret(tx, id), newSecret], pointers: spec.secretPointers },
        ),
      );
      return after;
    });
  }

  async delete(actor: Actor, kind: string, id: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const stored = await this.load(tx, kind, id);
      const before = await this.represent(tx, stored);
      const spec = integrationKinds[kind as IntegrationKind];
      const secret = await this.openSecret(tx, id);
      await this.outbox.forget(tx, id);
      await this.stores.integrations.delete(tx, stored);
      await IntegrationDirectory.touch(tx);
      await record(
        withoutSecrets(
          {
            kind: 'integration',
            name: stored.doc.name,
            actor,
            accesses: [access('deleteIntegration', ...resources.integration(id))],
            titleVerb: 'deleted the integration',
            changes: [`Deleted the integration for ${spec.describe(stored.doc.config)} and its delivery log`],
            previousVersion: before,
          },
          { values: [secret], pointers: spec.secretPointers },
        ),
      );
    });
  }

  /** Sends a test message now; whoever may switch the integration on and off may test it. */
  async test(actor: Actor, kind: string, id: string): Promise<TestOutcome> {
    const stored = await this.load(this.db, kind, id);
    assertAllowed(actor, [access('updateOn', ...resources.integration(id))]);
    return this.actions.test(
      { id, kind, name: stored.doc.name, config: stored.doc.config, secret: await this.token(stored) },
      actor,
    );
  }

  /**
   * Re-sends a dead or dropped delivery: it becomes pending again with a fresh attempt budget.
   * Like the test, it is for whoever may switch the integration on and off.
   */
  async retryDelivery(actor: Actor, kind: string, id: string, deliveryId: number): Promise<void> {
    await this.load(this.db, kind, id);
    assertAllowed(actor, [access('updateOn', ...resources.integration(id))]);
    await this.actions.resend(id, deliveryId, `integration "${id}"`);
  }

  /** Which of the recent audit entries a filter would have let through. */
  /** Only entries `visible` lets through are shown: a preview is a read of the audit log. */
  async preview(
    statements: unknown,
    visible: (accesses: readonly TaggedAccess[]) => boolean,
  ): Promise<{ items: AuditEntry[]; scanned: number }> {
    const valid = checkStatements(statements ?? []);
    const policy = valid.length === 0 ? null : compilePolicy(valid as never);
    const recent = await this.audit.recent(this.db, previewWindow);
    return {
      items: recent
        .filter((r) => visible(r.accesses) && matchesEntry(policy, r.accesses))
        .map((r) => r.entry),
      scanned: recent.length,
    };
  }

  async token(stored: { id: string }): Promise<string> {
    const secret = await this.openSecret(this.db, stored.id);
    if (secret === undefined) throw new NotFoundError(`Integration "${stored.id}" not found`);
    return secret;
  }

  private async openSecret(db: Executor, id: string): Promise<string | undefined> {
    const sealed = await this.stores.integrations.getSecret(db, id);
    return sealed == null ? undefined : this.secrets.open(sealed, id);
  }

  async load(
    db: Kysely<Database> | Transaction<Database>,
    kind: string,
    id: string,
  ): Promise<StoredIntegration> {
    const stored = await this.stores.integrations.getById(db, id);
    if (stored === undefined || stored.scope !== kind)
      throw new NotFoundError(`Integration "${id}" not found`);
    return stored;
  }

  private async represent(
    db: Kysely<Database> | Transaction<Database>,
    stored: StoredIntegration,
  ): Promise<Integration> {
    return {
      _id: stored.id,
      _links: {
        self: { href: `/api/v2/integrations/${stored.scope}/${stored.id}`, type: 'application/json' },
        deliveries: {
          href: `/api/v2/integrations/${stored.scope}/${stored.id}/deliveries`,
          type: 'application/json',
        },
      },
      _version: stored.version,
      kind: stored.scope,
      ...stored.doc,
      config: integrationKinds[stored.scope as IntegrationKind].represent(stored.doc.config),
      _status: await this.status(db, stored.id),
    };
  }

  private async status(db: Kysely<Database> | Transaction<Database>, id: string): Promise<IntegrationStatus> {
    return integrationStatus(db, this.outbox, id);
  }
}

/** An integration's (or webhook's) health as the API shows it in `_status`. */
export async function integrationStatus(
  db: Kysely<Database> | Transaction<Database>,
  outbox: DeliveryQueue,
  id: string,
): Promise<IntegrationStatus> {
  return new IntegrationHealthView(outbox).statusOf(db, id);
}
