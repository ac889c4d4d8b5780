import type { TSchema } from '@sinclair/typebox';
import type { Config as AppConfig } from '../../../config/config.js';
import { ValidationError } from '../../../errors/app-errors.js';
import { checkSchema } from '../../../shared/check-schema.js';
import { mdValue } from '../../audit/audit-builder.js';
import type { DeliveryChannel } from '../../delivery/delivery-channel.js';
import { type TemplateFlavor, validateTemplate } from '../../templates/message-template.js';
import type { Integration } from '../integration-model.js';
import { secretMask } from '../integration-model.js';

type Config = Record<string, unknown>;

/** One line of an update's audit entry and the action it needs (`updateConfiguration`, `updateUrl`, …). */
export interface ConfigChange {
  readonly action: string;
  readonly line: string;
}

/** What an API config becomes: the stored document's config and the secret (`keep` = unchanged). */
export interface ParsedConfig {
  readonly config: Config;
  readonly secret: string | { readonly keep: true };
  /** URLs to check against the SSRF guard at save time, with their pointers. */
  readonly targets: readonly { readonly pointer: string; readonly url: string }[];
  /** On update: what changed in the config and its secret, for the audit entry. */
  readonly changes: readonly ConfigChange[];
  /** A secret the answer shows once (a generated webhook signing secret). */
  readonly reveal?: string | undefined;
  /** The name to give when the request gives none. */
  readonly defaultName?: string | undefined;
}

/** The stored config and its opened secret, when parsing an update. */
export interface PreviousConfig {
  readonly config: Config;
  readonly secret: string | undefined;
}

/** What a kind's channel may read at start-up: the validated configuration and the site's base URL. */
export interface KindSettings {
  readonly config: AppConfig;
  readonly baseUrl: () => string;
}

/**
 * How a kind's REST documents differ from `/api/v2/integrations/{kind}` (webhooks keep
 * LaunchDarkly's `/api/v2/webhooks` shape). Absent: the integration shape as it is.
 */
export interface KindView {
  /** The API document (also what the audit entry records as previous/current version). */
  toApi(integration: Integration, reveal?: string): Record<string, unknown>;
  /** The document a JSON patch applies to (the API document plus write-only fields). */
  editable(api: Record<string, unknown>, previous: PreviousConfig): Record<string, unknown>;
  /** The patched document as name, on, config, statements and tags. */
  fromApi(patched: Record<string, unknown>): Record<string, unknown>;
  readonly readOnly: readonly string[];
}

/** How a kind moves a row from an older stored layout to the current one. */
export interface StoredUpgrade {
  needed(config: Config): boolean;
  rewrite(config: Config, secret: string | undefined): { config: Config; secret: string };
}

/**
 * An integration kind: everything Switchboard knows about one kind of target, in one module
 * under kinds/<kind>/ and named in kinds/index.ts. The service, the routes and the worker only
 * speak this interface.
 */
export interface IntegrationKindModule {
  readonly kind: string;
  readonly label: string;
  /** How audit entries and access rules name it: chat kinds are integrations, webhooks webhooks. */
  readonly noun: 'integration' | 'webhook';
  readonly storedSchema: TSchema;
  readonly templateFlavor?: TemplateFlavor | undefined;
  parse(input: Config, previous: PreviousConfig | undefined): ParsedConfig;
  /** The API view of the stored config: secrets masked. */
  represent(config: Config): Config;
  /** "room Ops (on)", "a webhook (on), signed", … for "Added …". */
  describeAdded(config: Config, on: boolean): string;
  /** "Deleted the integration for room Ops and its delivery log", … */
  describeDeleted(config: Config): string;
  /** Every secret value in an opened secret, for audit entries to redact. */
  secretValues(secret: string | undefined, config: Config): readonly (string | undefined)[];
  /** Where the secret field(s) sit in the API document, so audit entries can mask them. */
  readonly secretPointers: readonly string[];
  readonly view?: KindView | undefined;
  /** Rows stored in an older layout, found from their config and rewritten at start-up. */
  readonly upgrade?: StoredUpgrade | undefined;
  channel(settings: KindSettings): DeliveryChannel;
}

export function checkUrl(pointer: string, raw: string, httpsOnly = false): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ValidationError.at(pointer, 'not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw ValidationError.at(pointer, 'must be an http:// or https:// URL');
  if (httpsOnly && url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw ValidationError.at(pointer, 'must be an https:// URL');
  if (url.username !== '' || url.password !== '')
    throw ValidationError.at(pointer, 'must not contain credentials');
  return raw;
}

export function checkTemplate(input: Config, flavor: TemplateFlavor): string | undefined {
  const template = input.template;
  if (template === undefined || template === '') return undefined;
  validateTemplate(template as string, flavor, '/config/template');
  return template as string;
}

export function checkConfigSchema(schema: TSchema, value: unknown): void {
  try {
    checkSchema(schema, value);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(
        error.problems.map((p) => ({ ...p, pointer: `/config${p.pointer === '/' ? '' : p.pointer}` })),
      );
    throw error;
  }
}

/**
 * The secret a config gives, or `keep` for the mask. `movedBy` names the field that changed
 * where requests carrying the secret go: the mask cannot keep a secret across such a move, or
 * whoever may only edit the configuration could send the stored secret to a server of their own.
 */
export function secretOf(
  pointer: string,
  value: unknown,
  hasPrevious: boolean,
  movedBy?: string,
): string | { keep: true } {
  if (typeof value !== 'string' || value === '') throw ValidationError.at(pointer, 'is required');
  if (value === secretMask) {
    if (!hasPrevious) throw ValidationError.at(pointer, 'is required (the mask keeps a stored value only)');
    if (movedBy !== undefined) throw ValidationError.at(pointer, `is required when ${movedBy} changes`);
    return { keep: true };
  }
  return value;
}

/** The audit lines of a chat kind's config change: each field that changed, and a new secret. */
export function configChanges(
  labels: { readonly fields: Readonly<Record<string, string>>; readonly secret: string },
  was: Config,
  now: Config,
  secretReplaced: boolean,
): ConfigChange[] {
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
    if (JSON.stringify(was[key]) === JSON.stringify(now[key])) continue;
    if (key === 'template') {
      lines.push(now[key] === undefined ? 'Removed the message template' : 'Changed the message template');
    } else {
      const label = labels.fields[key] ?? key;
      lines.push(
        `Changed ${label} from ${mdValue(was[key] ?? 'default')} to ${mdValue(now[key] ?? 'default')}`,
      );
    }
  }
  if (secretReplaced) lines.push(`Replaced the ${labels.secret}`);
  return lines.map((line) => ({ action: 'updateConfiguration', line }));
}

/** What a chat kind (one secret, a config of its own under `/config`) defines itself. */
export interface ChatKindDefinition
  extends Pick<
    IntegrationKindModule,
    'kind' | 'label' | 'storedSchema' | 'templateFlavor' | 'secretPointers' | 'represent' | 'channel'
  > {
  /** How a change of each config field, and of the secret, reads in the audit log. */
  readonly labels: { readonly fields: Readonly<Record<string, string>>; readonly secret: string };
  /** "room Ops", "channel #ops", … for "Added …" and "Deleted …". */
  describe(config: Config): string;
  parse(input: Config, previous: PreviousConfig | undefined): Omit<ParsedConfig, 'changes'>;
}

/** A chat kind's module: its definition, with the audit wording every chat kind shares. */
export function chatKind(definition: ChatKindDefinition): IntegrationKindModule {
  const { labels, describe, parse, ...rest } = definition;
  return {
    ...rest,
    noun: 'integration',
    parse(input, previous) {
      const parsed = parse(input, previous);
      const replaced = typeof parsed.secret === 'string';
      const changes =
        previous === undefined ? [] : configChanges(labels, previous.config, parsed.config, replaced);
      return { ...parsed, changes };
    },
    describeAdded: (config, on) => `${describe(config)} ${on ? '(on)' : '(off)'}`,
    describeDeleted: (config) => `Deleted the integration for ${describe(config)} and its delivery log`,
    secretValues: (secret) => [secret],
  };
}
