import { jsonEqual } from '../../shared/json-equal.js';
import { mdText, mdValue } from '../audit/audit-builder.js';
import type { FlagDoc, FlagEnvironmentDoc, VariationOrRollout } from './flag-model.js';
import { describeVariationChanges } from './flag-variation-changes.js';

/** An action on the flag in one environment (flag-wide actions are listed once per environment). */
export interface FlagAccess {
  readonly action: string;
  readonly envKey: string;
}

export interface FlagChangeSummary {
  readonly accesses: FlagAccess[];
  readonly titleVerb: string;
  /** The one environment the change concerns, when it concerns exactly one. */
  readonly envKey: string | undefined;
  readonly changes: string[];
}

const same = jsonEqual;

export function variationLabel(flag: FlagDoc, index: number | undefined): string {
  if (index === undefined) return '*(none)*';
  const v = flag.variations[index];
  if (v === undefined) return `*variation ${index}*`;
  return v.name !== undefined && v.name !== '' ? `*${mdText(v.name)}*` : mdValue(v.value);
}

function serveLabel(flag: FlagDoc, serve: VariationOrRollout): string {
  const rollout = serve.rollout;
  if (rollout === undefined) return variationLabel(flag, serve.variation);
  const parts = rollout.variations.map(
    (v) =>
      `${v.weight / 1000}% ${variationLabel(flag, v.variation)}${v.untracked === true ? ' untracked' : ''}`,
  );
  // How contexts are bucketed changes who gets what, so it belongs in the description too.
  const by = [
    ...(rollout.contextKind === undefined ? [] : [`${mdText(rollout.contextKind)} contexts`]),
    ...(rollout.bucketBy === undefined ? [] : [`bucketed by ${mdValue(rollout.bucketBy)}`]),
    ...(rollout.seed === undefined ? [] : [`seed ${rollout.seed}`]),
  ];
  const what = rollout.kind === 'experiment' ? 'an experiment' : 'a percentage rollout';
  return `${what} (${parts.join(', ')}${by.length > 0 ? `; ${by.join(', ')}` : ''})`;
}

function kindLabel(contextKind: string | undefined): string {
  return contextKind === undefined || contextKind === 'user' ? '' : ` ${mdText(contextKind)}`;
}

interface FieldRule {
  readonly action: string;
  describe(before: FlagDoc, after: FlagDoc): string[];
}

const flagWide: Record<string, FieldRule> = {
  name: {
    action: 'updateName',
    describe: (b, a) => [`Changed the name from ${mdValue(b.name)} to ${mdValue(a.name)}`],
  },
  description: {
    action: 'updateDescription',
    describe: (b, a) => [
      `Changed the description from ${mdValue(b.description)} to ${mdValue(a.description)}`,
    ],
  },
  tags: {
    action: 'updateTags',
    describe: (b, a) => {
      const added = a.tags.filter((t) => !b.tags.includes(t));
      const removed = b.tags.filter((t) => !a.tags.includes(t));
      return [
        ...(added.length > 0 ? [`Added tags ${mdValue(added)}`] : []),
        ...(removed.length > 0 ? [`Removed tags ${mdValue(removed)}`] : []),
      ];
    },
  },
  temporary: {
    action: 'updateTemporary',
    describe: (_b, a) => [a.temporary ? 'Marked the flag temporary' : 'Marked the flag permanent'],
  },
  maintainerId: {
    action: 'updateMaintainer',
    describe: (b, a) => [
      `Changed the maintainer from ${mdValue(b.maintainerId)} to ${mdValue(a.maintainerId)}`,
    ],
  },
  kind: {
    action: 'updateFlagVariations',
    describe: (b, a) => [`Changed the kind from *${b.kind}* to *${a.kind}*`],
  },
  variations: {
    action: 'updateFlagVariations',
    describe: (b, a) => describeVariationChanges(b.variations, a.variations),
  },
  defaults: {
    action: 'updateFlagDefaultVariations',
    describe: (b, a) => [
      `Changed the default variations for new environments from on ${variationLabel(b, b.defaults.onVariation)}, off ${variationLabel(b, b.defaults.offVariation)} to on ${variationLabel(a, a.defaults.onVariation)}, off ${variationLabel(a, a.defaults.offVariation)}`,
    ],
  },
  archived: {
    action: 'updateGlobalArchived',
    describe: (_b, a) => [a.archived ? 'Archived the flag' : 'Restored the flag'],
  },
  clientSideAvailability: {
    action: 'updateClientSideFlagAvailability',
    describe: (b, a) => [
      `Changed client-side availability from ${mdValue(b.clientSideAvailability)} to ${mdValue(a.clientSideAvailability)}`,
    ],
  },
  includeInSnippet: {
    action: 'updateIncludeInSnippet',
    describe: (_b, a) => [
      a.includeInSnippet ? 'Included the flag in the snippet' : 'Removed the flag from the snippet',
    ],
  },
  customProperties: {
    action: 'updateFlagCustomProperties',
    describe: (b, a) => [
      `Changed the custom properties from ${mdValue(b.customProperties)} to ${mdValue(a.customProperties)}`,
    ],
  },
};

interface EnvRule {
  readonly action: string;
  describe(before: FlagEnvironmentDoc, after: FlagEnvironmentDoc, b: FlagDoc, a: FlagDoc): string[];
}

function describeTargets(before: FlagEnvironmentDoc, after: FlagEnvironmentDoc, flag: FlagDoc): string[] {
  const lines: string[] = [];
  interface Entry {
    readonly value: string;
    readonly variation: number;
    readonly kind: string | undefined;
  }
  const kindOf = (kind: string | undefined) => (kind === 'user' ? undefined : kind);
  const flatten = (env: FlagEnvironmentDoc) =>
    new Map<string, Entry>(
      env.targets.flatMap((t) =>
        t.values.map((v) => [
          `${t.variation}\u0000${kindOf(t.contextKind) ?? ''}\u0000${v}`,
          { value: v, variation: t.variation, kind: kindOf(t.contextKind) },
        ]),
      ),
    );
  const was = flatten(before);
  const now = flatten(after);
  const byVariation = (entries: Entry[], verb: string, prep: string) => {
    const groups = new Map<string, { variation: number; kind: string | undefined; values: string[] }>();
    for (const e of entries) {
      const id = `${e.variation}\u0000${e.kind ?? ''}`;
      const group = groups.get(id) ?? { variation: e.variation, kind: e.kind, values: [] };
      group.values.push(e.value);
      groups.set(id, group);
    }
    for (const { variation, kind, values } of groups.values()) {
      lines.push(
        `${verb} ${mdValue(values)} ${prep} the individual${kindLabel(kind)} targets serving ${variationLabel(flag, variation)}`,
      );
    }
  };
  byVariation(
    [...now].filter(([k]) => !was.has(k)).map(([, v]) => v),
    'Added',
    'to',
  );
  byVariation(
    [...was].filter(([k]) => !now.has(k)).map(([, v]) => v),
    'Removed',
    'from',
  );
  return lines.length > 0 ? lines : ['Reordered the individual targets'];
}

function describeRules(
  before: FlagEnvironmentDoc,
  after: FlagEnvironmentDoc,
  b: FlagDoc,
  a: FlagDoc,
): string[] {
  const lines: string[] = [];
  const beforeIds = new Map(before.rules.map((r) => [r._id, r]));
  const afterIds = new Set(after.rules.map((r) => r._id));
  const clauseText = (clauses: FlagEnvironmentDoc['rules'][number]['clauses']) =>
    clauses
      .map((c) =>
        `${kindLabel(c.contextKind)} ${mdText(c.attribute)} ${c.negate ? 'not ' : ''}${c.op} ${mdValue(c.values as unknown[])}`.trimStart(),
      )
      .join(' and ');
  after.rules.forEach((rule, i) => {
    const old = beforeIds.get(rule._id);
    if (old === undefined)
      lines.push(`Added rule ${i + 1}: if ${clauseText(rule.clauses)} serve ${serveLabel(a, rule)}`);
    else if (!same(old, rule))
      lines.push(`Changed rule ${i + 1}: if ${clauseText(rule.clauses)} serve ${serveLabel(a, rule)}`);
  });
  before.rules.forEach((rule, i) => {
    if (!afterIds.has(rule._id))
      lines.push(`Removed rule ${i + 1} (if ${clauseText(rule.clauses)} serve ${serveLabel(b, rule)})`);
  });
  return lines.length > 0 ? lines : ['Reordered the rules'];
}

const perEnvironment: Record<string, EnvRule> = {
  on: { action: 'updateOn', describe: (_b, a) => [a.on ? 'Turned the flag on' : 'Turned the flag off'] },
  offVariation: {
    action: 'updateOffVariation',
    describe: (b, a, bf, af) => [
      `Changed the off variation from ${variationLabel(bf, b.offVariation)} to ${variationLabel(af, a.offVariation)}`,
    ],
  },
  fallthrough: {
    action: 'updateFallthrough',
    describe: (b, a, bf, af) => [
      `Changed the default rule from ${serveLabel(bf, b.fallthrough)} to ${serveLabel(af, a.fallthrough)}`,
    ],
  },
  targets: { action: 'updateTargets', describe: (b, a, _bf, af) => describeTargets(b, a, af) },
  rules: { action: 'updateRules', describe: describeRules },
  prerequisites: {
    action: 'updatePrerequisites',
    describe: (b, a) => [
      `Changed the prerequisites from ${mdValue(b.prerequisites.map((p) => `${p.key}:${p.variation}`))} to ${mdValue(a.prerequisites.map((p) => `${p.key}:${p.variation}`))}`,
    ],
  },
  trackEvents: {
    action: 'updateTrackEvents',
    describe: (_b, a) => [a.trackEvents ? 'Turned on event tracking' : 'Turned off event tracking'],
  },
  trackEventsFallthrough: {
    action: 'updateFlagFallthroughTrackEvents',
    describe: (_b, a) => [
      a.trackEventsFallthrough
        ? 'Turned on default-rule event tracking'
        : 'Turned off default-rule event tracking',
    ],
  },
};

/**
 * What an edit of a flag did, in LaunchDarkly's action names. Flag-wide changes carry one
 * access per environment of the project (they affect every environment), so a filter on
 * `env/production` hears a rename but not a toggle in `test`.
 */
export function summarizeFlagChange(
  before: FlagDoc,
  after: FlagDoc,
  environmentNames: ReadonlyMap<string, string>,
): FlagChangeSummary {
  const accesses: FlagAccess[] = [];
  const changes: string[] = [];
  const envKeys = [...environmentNames.keys()];
  const add = (action: string, envKey: string) => {
    if (!accesses.some((a) => a.action === action && a.envKey === envKey)) accesses.push({ action, envKey });
  };

  for (const [fieldName, rule] of Object.entries(flagWide)) {
    if (same((before as Record<string, unknown>)[fieldName], (after as Record<string, unknown>)[fieldName]))
      continue;
    for (const envKey of envKeys) add(rule.action, envKey);
    changes.push(...rule.describe(before, after));
  }

  const touched = new Set<string>();
  const envLines: { envKey: string; line: string }[] = [];
  for (const envKey of envKeys) {
    const b = before.environments[envKey];
    const a = after.environments[envKey];
    if (b === undefined || a === undefined) continue;
    for (const [fieldName, rule] of Object.entries(perEnvironment)) {
      if (same((b as Record<string, unknown>)[fieldName], (a as Record<string, unknown>)[fieldName]))
        continue;
      add(rule.action, envKey);
      touched.add(envKey);
      for (const line of rule.describe(b, a, before, after)) envLines.push({ envKey, line });
    }
  }

  const actions = new Set(accesses.map((a) => a.action));
  const onlyEnv =
    touched.size === 1 && accesses.every((a) => touched.has(a.envKey)) ? [...touched][0] : undefined;
  let titleVerb = 'updated the flag';
  if (actions.size === 1 && actions.has('updateOn') && onlyEnv !== undefined) {
    titleVerb = after.environments[onlyEnv]?.on ? 'turned on the flag' : 'turned off the flag';
  } else if (actions.size === 1 && actions.has('updateGlobalArchived')) {
    titleVerb = after.archived ? 'archived the flag' : 'restored the flag';
  }
  // When the change concerns one environment the title names it; otherwise each line does.
  for (const { envKey, line } of envLines) {
    changes.push(
      onlyEnv === undefined ? `${line} in *${mdText(environmentNames.get(envKey) ?? envKey)}*` : line,
    );
  }
  return { accesses, titleVerb, envKey: onlyEnv, changes };
}
