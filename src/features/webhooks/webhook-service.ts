import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database, Executor } from '../../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-errors.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../shared/json-patch.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { assertMayHear } from '../access/filter-visibility.js';
import { mdValue } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import { assertAllowed, type ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import { withoutSecrets } from '../audit/secret-redaction.js';
import type { DeliveryActions, TestOutcome } from '../delivery/delivery-actions.js';
import type { DeliveryQueue } from '../delivery/queue/delivery-queue.js';
import { IntegrationDirectory } from '../integrations/integration-directory.js';
import {
  type IntegrationDoc,
  IntegrationDocSchema,
  secretMask,
  type WebhookConfig,
  WebhookConfigStoredSchema,
} from '../integrations/integration-model.js';
import { checkStatements, integrationStatus, type TargetGuard } from '../integrations/integration-service.js';
import type { Stores } from '../stores.js';
import type { Webhook, WebhookPost } from './webhook-model.js';
import { type WebhookSecrets, webhookSecretsOf, webhookSecretsText } from './webhook-secrets.js';

/** Webhooks share the integrations table (scope `webhook`), so fan-out, outbox and log are one. */
export const webhookScope = 'webhook';

function checkUrl(raw: unknown): string {
  if (typeof raw !== 'string') throw ValidationError.at('/url', 'is required');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ValidationError.at('/url', 'not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw ValidationError.at('/url', 'must be an http:// or https:// URL');
  if (url.username !== '' || url.password !== '')
    throw ValidationError.at('/url', 'must not contain credentials');
  return raw;
}

const readOnly = ['_id', '_links', '_version', '_status', 'creationDate'];

/** Where a webhook's secrets sit in its API document, for audit entries to mask. */
const secretPointers = ['/url', '/secret'];

export class WebhookService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: Stores,
    private readonly changes: ChangeLog,
    private readonly outbox: DeliveryQueue,
    private readonly secrets: SecretBox,
    private readonly actions: DeliveryActions,
    private readonly guard: TargetGuard,
  ) {}

  private async checkTarget(url: string): Promise<void> {
    const refusal = await this.guard(url);
    if (refusal !== undefined) throw ValidationError.at('/url', refusal);
  }

  async list(): Promise<Webhook[]> {
    const rows = await this.stores.integrations.list(this.db, webhookScope);
    return Promise.all(rows.map((row) => this.represent(this.db, row)));
  }

  async get(id: string): Promise<Webhook> {
    return this.represent(this.db, await this.load(this.db, id));
  }

  /** The created webhook, with its secret: the only time it is ever shown. */
  async create(actor: Actor, input: WebhookPost): Promise<Webhook> {
    const url = checkUrl(input.url);
    const statements = checkStatements(input.statements ?? []);
    assertMayHear(actor, statements);
    await this.checkTarget(url);
    const sign = input.sign ?? false;
    const secret = sign ? (input.secret ?? randomBytes(32).toString('hex')) : input.secret;
    return this.changes.transact(async (tx, record) => {
      const id = newId();
      const now = this.changes.now();
      const doc: IntegrationDoc = {
        // The host only: the path and query are where a URL usually carries its token.
        name: input.name ?? new URL(url).host,
        on: input.on ?? true,
        config: { sign } satisfies WebhookConfig,
        statements,
        tags: input.tags ?? [],
        creationDate: now,
      };
      const stored = await this.stores.integrations.insert(tx, {
        id,
        scope: webhookScope,
        key: id,
        doc,
        createdAt: now,
        secret: this.seal(id, { url, signingSecret: secret }),
      });
      await IntegrationDirectory.touch(tx);
      const current = await this.represent(tx, stored);
      await record(
        withoutSecrets(
          {
            kind: 'webhook',
            name: doc.name,
            actor,
            accesses: [access('createWebhook', ...resources.webhook(id))],
            titleVerb: 'added the webhook',
            sitePath: `/integrations/webhooks/${id}`,
            changes: [
              `Added a webhook ${doc.on ? '(on)' : '(off)'}${sign ? ', signed' : ''}, ${statements.length === 0 ? 'for every change' : `filtered by ${statements.length} statement(s)`}`,
            ],
            currentVersion: current,
          },
          { values: [url, secret], pointers: secretPointers },
        ),
      );
      return secret === undefined ? current : { ...current, secret };
    });
  }

  async update(actor: Actor, id: string, request: PatchRequest): Promise<Webhook> {
    return this.changes.transact(async (tx, record) => {
      const stored = await this.load(tx, id);
      const before = await this.represent(tx, stored);
      const was = stored.doc.config as WebhookConfig;
      const kept = await this.open(tx, stored);
      const hadSecret = kept.signingSecret !== undefined;
      const patched = applyJsonPatch(
        { ...before, secret: hadSecret ? secretMask : '' },
        request.patch,
        '/patch',
      );
      assertUnchanged(before, patched, readOnly);
      // The URL is write-only like the secret: the mask keeps it.
      const url = patched.url === secretMask ? kept.url : checkUrl(patched.url);
      const urlChanged = url !== kept.url;
      if (typeof patched.sign !== 'boolean') throw ValidationError.at('/sign', 'must be a boolean');
      const secretIn = patched.secret;
      if (secretIn !== undefined && typeof secretIn !== 'string')
        throw ValidationError.at('/secret', 'must be a string');
      let newSecret =
        secretIn === secretMask || secretIn === '' || secretIn === undefined ? undefined : secretIn;
      // Signed payloads prove they come from us: whoever may only change the URL must not collect
      // them (to replay at the real receiver), so a signed webhook moves with its secret given again.
      if (urlChanged && patched.sign && hadSecret && newSecret === undefined)
        throw ValidationError.at('/secret', 'is required when /url changes');
      if (patched.sign && !hadSecret && newSecret === undefined) newSecret = randomBytes(32).toString('hex');
      const doc = {
        name: patched.name,
        on: patched.on,
        config: { sign: patched.sign },
        statements: patched.statements,
        tags: patched.tags,
        creationDate: stored.doc.creationDate,
      } as IntegrationDoc;
      checkSchema(IntegrationDocSchema, doc);
      checkSchema(WebhookConfigStoredSchema, doc.config);
      doc.statements = checkStatements(doc.statements);
      if (urlChanged) await this.checkTarget(url);

      const actions: string[] = [];
      const lines: string[] = [];
      if (doc.name !== stored.doc.name) {
        actions.push('updateName');
        lines.push(`Changed the name from ${mdValue(stored.doc.name)} to ${mdValue(doc.name)}`);
      }
      if (JSON.stringify(doc.tags) !== JSON.stringify(stored.doc.tags)) {
        // The webhook catalog has no tags action; tags are naming metadata, like the name.
        if (!actions.includes('updateName')) actions.push('updateName');
        lines.push(`Changed the tags from ${mdValue(stored.doc.tags)} to ${mdValue(doc.tags)}`);
      }
      if (doc.on !== stored.doc.on) {
        actions.push('updateOn');
        lines.push(doc.on ? 'Turned the webhook on' : 'Turned the webhook off');
      }
      if (urlChanged) {
        actions.push('updateUrl');
        lines.push('Changed the URL');
      }
      if (newSecret !== undefined || patched.sign !== was.sign) {
        actions.push('updateSecret');
        if (patched.sign !== was.sign) lines.push(patched.sign ? 'Turned signing on' : 'Turned signing off');
        if (newSecret !== undefined) lines.push('Replaced the signing secret');
      }
      if (JSON.stringify(doc.statements) !== JSON.stringify(stored.doc.statements)) {
        actions.push('updateStatements');
        lines.push(
          doc.statements.length === 0
            ? 'Removed the policy filter: every change is sent'
            : `Changed the policy filter to ${mdValue(doc.statements)}`,
        );
      }
      if (actions.length === 0) return before;
      // What it sends and where: whoever changes that (or turns it on) must be able to read it.
      if (doc.on && actions.some((a) => a !== 'updateName')) {
        assertMayHear(actor, doc.statements);
      }
      // Sealed again on every write, which also moves a row from before sealed URLs off its plain one.
      const updated = await this.stores.integrations.update(tx, stored, doc, {
        secret: this.seal(id, { url, signingSecret: newSecret ?? kept.signingSecret }),
      });
      await IntegrationDirectory.touch(tx);
      const after = await this.represent(tx, updated);
      const onlyOn = actions.length === 1 && actions[0] === 'updateOn';
      await record(
        withoutSecrets(
          {
            kind: 'webhook',
            name: doc.name,
            actor,
            comment: request.comment,
            accesses: actions.map((a) => access(a, ...resources.webhook(id))),
            titleVerb: onlyOn
              ? doc.on
                ? 'turned on the webhook'
                : 'turned off the webhook'
              : 'updated the webhook',
            sitePath: `/integrations/webhooks/${id}`,
            changes: lines,
            previousVersion: before,
            currentVersion: after,
            delta: request.patch,
          },
          { values: [kept.url, kept.signingSecret, url, newSecret], pointers: secretPointers },
        ),
      );
      // A secret generated by turning signing on is shown once, like at creation.
      return newSecret !== undefined && secretIn !== newSecret ? { ...after, secret: newSecret } : after;
    });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const stored = await this.load(tx, id);
      const before = await this.represent(tx, stored);
      const kept = await this.open(tx, stored);
      await this.outbox.forget(tx, id);
      await this.stores.integrations.delete(tx, stored);
      await IntegrationDirectory.touch(tx);
      await record(
        withoutSecrets(
          {
            kind: 'webhook',
            name: stored.doc.name,
            actor,
            accesses: [access('deleteWebhook', ...resources.webhook(id))],
            titleVerb: 'deleted the webhook',
            changes: ['Deleted the webhook and its delivery log'],
            previousVersion: before,
          },
          { values: [kept.url, kept.signingSecret], pointers: secretPointers },
        ),
      );
    });
  }

  /** Sends a signed test payload now; whoever may switch the webhook on and off may test it. */
  async test(actor: Actor, id: string): Promise<TestOutcome> {
    const stored = await this.load(this.db, id);
    assertAllowed(actor, [access('updateOn', ...resources.webhook(id))]);
    const sealed = await this.stores.integrations.getSecret(this.db, id);
    return this.actions.test(
      {
        id,
        kind: webhookScope,
        name: stored.doc.name,
        config: stored.doc.config,
        secret: sealed == null ? undefined : this.secrets.open(sealed, id),
      },
      actor,
    );
  }

  /** Re-sends a dead or dropped delivery (for whoever may switch the webhook on and off). */
  async retryDelivery(actor: Actor, id: string, deliveryId: number): Promise<void> {
    await this.load(this.db, id);
    assertAllowed(actor, [access('updateOn', ...resources.webhook(id))]);
    await this.actions.resend(id, deliveryId, `webhook "${id}"`);
  }

  /**
   * Seals the URL of every webhook written before URLs were secrets (it sat in the document in
   * clear). Run at start-up; a row another node reseals at the same moment is left to it.
   */
  async sealPlainUrls(): Promise<number> {
    let sealed = 0;
    for (const row of await this.stores.integrations.list(this.db, webhookScope)) {
      const { url, ...rest } = row.doc.config as WebhookConfig;
      if (url === undefined) continue;
      try {
        await this.changes.transact(async (tx) => {
          const stored = await this.load(tx, row.id);
          const secrets = await this.open(tx, stored);
          await this.stores.integrations.update(
            tx,
            stored,
            { ...stored.doc, config: rest },
            { secret: this.seal(row.id, secrets) },
          );
          await IntegrationDirectory.touch(tx);
        });
        sealed++;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    return sealed;
  }

  private seal(id: string, secrets: WebhookSecrets): string {
    return this.secrets.seal(webhookSecretsText(secrets), id);
  }

  private async open(db: Executor, stored: StoredDocument<IntegrationDoc>): Promise<WebhookSecrets> {
    const sealed = await this.stores.integrations.getSecret(db, stored.id);
    return webhookSecretsOf(
      stored.doc.config as WebhookConfig,
      sealed == null ? undefined : this.secrets.open(sealed, stored.id),
    );
  }

  private async load(db: Executor, id: string): Promise<StoredDocument<IntegrationDoc>> {
    const stored = await this.stores.integrations.getById(db, id);
    if (stored === undefined || stored.scope !== webhookScope)
      throw new NotFoundError(`Webhook "${id}" not found`);
    return stored;
  }

  private async represent(db: Executor, stored: StoredDocument<IntegrationDoc>): Promise<Webhook> {
    const config = stored.doc.config as WebhookConfig;
    const self = `/api/v2/webhooks/${stored.id}`;
    // The URL is write-only, like a Slack or Teams URL: shown masked, the mask keeps it.
    return {
      _id: stored.id,
      _links: {
        self: { href: self, type: 'application/json' },
        deliveries: { href: `${self}/deliveries`, type: 'application/json' },
      },
      _version: stored.version,
      url: secretMask,
      sign: config.sign,
      on: stored.doc.on,
      name: stored.doc.name,
      statements: stored.doc.statements,
      tags: stored.doc.tags,
      creationDate: stored.doc.creationDate,
      _status: await integrationStatus(db, this.outbox, stored.id),
    };
  }
}
