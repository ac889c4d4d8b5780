import type { ResourceSegment, TaggedAccess } from '../../src/policy/resource.js';
import { seededRandom } from '../measure.js';

/**
 * A synthetic population of integration policy filters, shaped like what teams write: mostly
 * "production flags", per-project and per-environment filters, prefix and tag filters, some
 * team-management filters, a few `notResources`, a few bare `*`, and some without a filter.
 */

const PROJECTS = Array.from({ length: 200 }, (_, i) => `p${String(i).padStart(3, '0')}`);
const ENVIRONMENTS = ['production', 'test', 'staging', 'qa-east'];
const ENV_TAGS: Readonly<Record<string, readonly string[]>> = {
  'qa-east': ['qa_east'],
  production: ['critical'],
};
const PROJECT_TAGS = ['mobile', 'web', 'backend'];
const FLAG_PREFIXES = ['ops', 'web', 'exp', 'checkout'];
const FLAG_TAGS = ['experimental', 'beta', 'mobile'];

type Pick = <T>(items: readonly T[]) => T;

function picker(random: () => number): Pick {
  return (items) => items[Math.floor(random() * items.length)]!;
}

/** Returns raw JSON policies (null = no filter), validated by the caller. */
export function integrationPolicies(count: number, seed = 42): (unknown[] | null)[] {
  const random = seededRandom(seed);
  const pick = picker(random);
  const templates: [number, () => unknown[] | null][] = [
    [5, () => null],
    [
      20,
      () => [
        { effect: 'allow', resources: [`proj/${pick(PROJECTS)}:env/production:flag/*`], actions: ['*'] },
      ],
    ],
    [
      10,
      () => [
        { effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: [pick(['*', 'updateOn'])] },
      ],
    ],
    [
      15,
      () => [
        {
          effect: 'allow',
          resources: [`proj/${pick(PROJECTS)}:env/${pick(ENVIRONMENTS)}:flag/*`],
          actions: ['*'],
        },
      ],
    ],
    [
      10,
      () => [
        {
          effect: 'allow',
          resources: [`proj/${pick(PROJECTS)}:env/*:flag/${pick(FLAG_PREFIXES)}_*`],
          actions: ['updateOn'],
        },
      ],
    ],
    [
      8,
      () => [{ effect: 'allow', resources: [`proj/*;${pick(PROJECT_TAGS)}:env/*:flag/*`], actions: ['*'] }],
    ],
    [
      5,
      () => [
        { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] },
        { effect: 'deny', resources: ['proj/*:env/*:flag/*;experimental'], actions: ['*'] },
      ],
    ],
    [7, () => [{ effect: 'allow', resources: [`proj/${pick(PROJECTS)}:env/*:segment/*`], actions: ['*'] }]],
    [
      7,
      () => [
        { effect: 'allow', resources: ['member/*'], actions: ['createMember', 'deleteMember', 'updateRole'] },
      ],
    ],
    [
      5,
      () => [
        {
          effect: 'allow',
          resources: [`proj/${pick(PROJECTS)}`, `proj/${pick(PROJECTS)}:env/*`],
          actions: ['*'],
        },
      ],
    ],
    [3, () => [{ effect: 'allow', notResources: ['proj/*:env/production:flag/*'], actions: ['*'] }]],
    [2, () => [{ effect: 'allow', resources: ['*'], actions: ['createFlag', 'deleteFlag', 'createMember'] }]],
    [3, () => [{ effect: 'allow', resources: ['webhook/*', 'integration/*', 'role/*'], actions: ['*'] }]],
  ];
  const total = templates.reduce((sum, [weight]) => sum + weight, 0);
  return Array.from({ length: count }, () => {
    let roll = random() * total;
    for (const [weight, make] of templates) {
      roll -= weight;
      if (roll < 0) return make();
    }
    return null;
  });
}

export interface BenchEntry {
  readonly kind: string;
  readonly accesses: readonly TaggedAccess[];
}

/** Audit entries as the app would build them, tags included. */
export function auditEntries(count: number, seed = 7): BenchEntry[] {
  const random = seededRandom(seed);
  const pick = picker(random);
  const project = (): ResourceSegment => ({
    type: 'proj',
    key: pick(PROJECTS),
    tags: random() < 0.3 ? [pick(PROJECT_TAGS)] : [],
  });
  const env = (key: string): ResourceSegment => ({ type: 'env', key, tags: ENV_TAGS[key] ?? [] });
  const flag = (): ResourceSegment => ({
    type: 'flag',
    key: `${pick(FLAG_PREFIXES)}_${Math.floor(random() * 50)}`,
    tags: random() < 0.2 ? [pick(FLAG_TAGS)] : [],
  });
  const kinds: [number, string, () => TaggedAccess[]][] = [
    [
      40,
      'flag toggled in one environment',
      () => [{ action: 'updateOn', resource: [project(), env(pick(ENVIRONMENTS)), flag()] }],
    ],
    [
      20,
      'flag targeting edited',
      () => [{ action: 'updateRules', resource: [project(), env(pick(ENVIRONMENTS)), flag()] }],
    ],
    [
      15,
      'flag created (one access per environment)',
      () => {
        const p = project();
        const f = flag();
        return ENVIRONMENTS.map((key) => ({ action: 'createFlag', resource: [p, env(key), f] }));
      },
    ],
    [
      10,
      'segment edited',
      () => [
        {
          action: 'updateIncluded',
          resource: [project(), env(pick(ENVIRONMENTS)), { type: 'segment', key: 'beta', tags: [] }],
        },
      ],
    ],
    [
      10,
      'member invited',
      () => [
        {
          action: 'createMember',
          resource: [
            { type: 'member', key: `m${Math.floor(random() * 1e6)}`, tags: [], aliases: ['new@acme.com'] },
          ],
        },
      ],
    ],
    [5, 'project renamed', () => [{ action: 'updateProjectName', resource: [project()] }]],
  ];
  const total = kinds.reduce((sum, [weight]) => sum + weight, 0);
  return Array.from({ length: count }, () => {
    let roll = random() * total;
    for (const [weight, kind, make] of kinds) {
      roll -= weight;
      if (roll < 0) return { kind, accesses: make() };
    }
    const [, kind, make] = kinds[0]!;
    return { kind, accesses: make() };
  });
}
