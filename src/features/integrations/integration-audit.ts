import { mdValue } from '../audit/audit-builder.js';
import { access, resources } from '../audit/resource-path.js';
import type { IntegrationDoc } from './integration-model.js';
import type { ConfigChange, IntegrationKindModule } from './kinds/kind.js';

/**
 * How the audit log and the access rules name a kind's changes. Chat kinds are integrations
 * (LaunchDarkly's `integration/*` resource); webhooks keep LaunchDarkly's own `webhook/*`
 * resource and actions, where tags count as naming and the filter has an action of its own.
 */
interface Vocabulary {
  readonly resource: (id: string) => ReturnType<typeof resources.integration>;
  readonly create: string;
  readonly delete: string;
  readonly tags: string;
  readonly statements: string;
  /** Webhooks list a change of tags right after the name, integrations last. */
  readonly tagsFirst: boolean;
  readonly sitePath: (kind: string, id: string) => string;
  readonly added: (label: string) => string;
}

const vocabularies: Readonly<Record<IntegrationKindModule['noun'], Vocabulary>> = {
  integration: {
    resource: resources.integration,
    create: 'createIntegration',
    delete: 'deleteIntegration',
    tags: 'updateConfiguration',
    statements: 'updateConfiguration',
    tagsFirst: false,
    sitePath: (kind, id) => `/integrations/${kind}/${id}`,
    added: (label) => `added the ${label} integration`,
  },
  webhook: {
    resource: resources.webhook,
    create: 'createWebhook',
    delete: 'deleteWebhook',
    tags: 'updateName',
    statements: 'updateStatements',
    tagsFirst: true,
    sitePath: (_kind, id) => `/integrations/webhooks/${id}`,
    added: () => 'added the webhook',
  },
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function filterText(statements: IntegrationDoc['statements']): string {
  return statements.length === 0 ? 'for every change' : `filtered by ${statements.length} statement(s)`;
}

/** The audit fields of an added integration or webhook. */
export function addedEntry(spec: IntegrationKindModule, id: string, doc: IntegrationDoc) {
  const words = vocabularies[spec.noun];
  return {
    kind: spec.noun,
    accesses: [access(words.create, ...words.resource(id))],
    titleVerb: words.added(spec.label),
    sitePath: words.sitePath(spec.kind, id),
    changes: [`Added ${spec.describeAdded(doc.config, doc.on)}, ${filterText(doc.statements)}`],
  };
}

/** The audit fields of a deleted integration or webhook. */
export function deletedEntry(spec: IntegrationKindModule, id: string, doc: IntegrationDoc) {
  const words = vocabularies[spec.noun];
  return {
    kind: spec.noun,
    accesses: [access(words.delete, ...words.resource(id))],
    titleVerb: `deleted the ${spec.noun}`,
    changes: [spec.describeDeleted(doc.config)],
  };
}

/** What an update changed, line by line, each with the action it needs. */
export function updateChanges(
  spec: IntegrationKindModule,
  was: IntegrationDoc,
  now: IntegrationDoc,
  config: readonly ConfigChange[],
): ConfigChange[] {
  const words = vocabularies[spec.noun];
  const changes: ConfigChange[] = [];
  if (now.name !== was.name)
    changes.push({
      action: 'updateName',
      line: `Changed the name from ${mdValue(was.name)} to ${mdValue(now.name)}`,
    });
  const tags = same(now.tags, was.tags)
    ? []
    : [{ action: words.tags, line: `Changed the tags from ${mdValue(was.tags)} to ${mdValue(now.tags)}` }];
  if (words.tagsFirst) changes.push(...tags);
  if (now.on !== was.on)
    changes.push({ action: 'updateOn', line: `Turned the ${spec.noun} ${now.on ? 'on' : 'off'}` });
  changes.push(...config);
  if (!same(now.statements, was.statements))
    changes.push({
      action: words.statements,
      line:
        now.statements.length === 0
          ? 'Removed the policy filter: every change is sent'
          : `Changed the policy filter to ${mdValue(now.statements)}`,
    });
  if (!words.tagsFirst) changes.push(...tags);
  return changes;
}

/** The audit fields of an update, from its changes. */
export function updatedEntry(
  spec: IntegrationKindModule,
  id: string,
  on: boolean,
  changes: readonly ConfigChange[],
) {
  const words = vocabularies[spec.noun];
  const actions = [...new Set(changes.map((c) => c.action))];
  const onlyOn = actions.length === 1 && actions[0] === 'updateOn';
  return {
    kind: spec.noun,
    accesses: actions.map((a) => access(a, ...words.resource(id))),
    titleVerb: onlyOn ? `turned ${on ? 'on' : 'off'} the ${spec.noun}` : `updated the ${spec.noun}`,
    sitePath: words.sitePath(spec.kind, id),
    changes: changes.map((c) => c.line),
  };
}
