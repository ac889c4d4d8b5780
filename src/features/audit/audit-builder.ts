import { formatResource } from '../../policy/resource.js';
import type { Actor, AuditEntry, AuditRecord, TaggedAccess } from './audit-model.js';
import type { FieldRule } from './field-rule.js';

export type { FieldRule } from './field-rule.js';

export interface ChangeDescription {
  readonly id: string;
  readonly date: number;
  readonly kind: string;
  /** Display name of the changed resource. */
  readonly name: string;
  readonly actor: Actor;
  readonly comment?: string | undefined;
  readonly accesses: readonly TaggedAccess[];
  /** e.g. "turned on the flag", "created the project". */
  readonly titleVerb: string;
  /** Path of the resource in the UI, linked from the title; absent for deleted resources. */
  readonly sitePath?: string | undefined;
  /** Adds "in `Production`" to the title when the change concerns one environment. */
  readonly environmentName?: string | undefined;
  /** What changed, one line each, already Markdown (values escaped with `mdValue`). */
  readonly changes: readonly string[];
  readonly parent?: { name: string; resource: string } | undefined;
  readonly previousVersion?: unknown;
  readonly currentVersion?: unknown;
  readonly delta?: unknown;
}

/** Escapes text for Markdown so a name like `*[x](evil)*` stays literal in titles. */
export function mdText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, '\\$&');
}

/** A value as shown in a description: scalars in italics, lists joined, objects as code. */
export function mdValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '*(none)*';
  if (typeof value === 'string') return `*${mdText(value)}*`;
  if (typeof value === 'number' || typeof value === 'boolean') return `*${String(value)}*`;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.length === 0 ? '*(none)*' : value.map((v) => `*${mdText(String(v))}*`).join(', ');
  }
  return `\`${JSON.stringify(value).replace(/`/g, "'")}\``;
}

export function actorName(actor: Actor): string {
  const { firstName, lastName, email } = actor.member;
  const full = [firstName, lastName].filter((p) => p !== undefined && p !== '').join(' ');
  return full === '' ? email : full;
}

export function buildAuditRecord(change: ChangeDescription, baseUrl: string): AuditRecord {
  const who = `[${mdText(actorName(change.actor))}](mailto:${change.actor.member.email})`;
  const what =
    change.sitePath === undefined
      ? mdText(change.name)
      : `[${mdText(change.name)}](${baseUrl}${change.sitePath})`;
  const where =
    change.environmentName === undefined ? '' : ` in \`${change.environmentName.replace(/`/g, "'")}\``;
  const resources = [...new Set(change.accesses.map((a) => formatResource(a.resource)))];
  const entry: AuditEntry = {
    _id: change.id,
    _links: {
      self: { href: `/api/v2/auditlog/${change.id}`, type: 'application/json' },
      ...(change.sitePath === undefined ? {} : { site: { href: change.sitePath, type: 'text/html' } }),
    },
    date: change.date,
    kind: change.kind,
    name: change.name,
    accesses: change.accesses.map((a) => ({ action: a.action, resource: formatResource(a.resource) })),
    titleVerb: change.titleVerb,
    title: `${who} ${change.titleVerb} ${what}${where}`,
    description: change.changes.map((line) => `- ${line}`).join('\n'),
    shortDescription: change.changes.length === 1 ? (change.changes[0] ?? '') : '',
    ...(change.comment !== undefined && change.comment !== '' ? { comment: change.comment } : {}),
    member: { ...change.actor.member },
    ...(change.actor.token === undefined ? {} : { token: { ...change.actor.token } }),
    target: { name: change.name, resources },
    ...(change.parent === undefined ? {} : { parent: change.parent }),
  };
  return {
    entry,
    taggedAccesses: change.accesses,
    previousVersion: change.previousVersion,
    currentVersion: change.currentVersion,
    delta: change.delta,
  };
}

export interface FieldDiff {
  readonly actions: string[];
  readonly changes: string[];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Compares the fields a table names and says, per changed field, which documented action it
 * was and what changed. Fields outside the table are not user-editable (or are handled by the
 * caller), so they produce nothing.
 */
export function diffFields(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  rules: Readonly<Record<string, FieldRule>>,
): FieldDiff {
  const actions: string[] = [];
  const changes: string[] = [];
  for (const [field, rule] of Object.entries(rules)) {
    const was = before[field];
    const now = after[field];
    if (same(was, now)) continue;
    if (!actions.includes(rule.action)) actions.push(rule.action);
    if (Array.isArray(was) && Array.isArray(now) && [...was, ...now].every((v) => typeof v === 'string')) {
      const added = now.filter((v) => !was.includes(v));
      const removed = was.filter((v) => !now.includes(v));
      if (added.length > 0) changes.push(`Added ${mdValue(added)} to ${rule.label}`);
      if (removed.length > 0) changes.push(`Removed ${mdValue(removed)} from ${rule.label}`);
      if (added.length === 0 && removed.length === 0) changes.push(`Reordered ${rule.label}`);
    } else {
      changes.push(`Changed ${rule.label} from ${mdValue(was)} to ${mdValue(now)}`);
    }
  }
  return { actions, changes };
}
