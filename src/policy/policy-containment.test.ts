import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessArb, policyArb, statementOf } from '../../test/helpers/policy-arbitraries.js';
import { compilePolicy } from './compile-policy.js';
import { isAllowed } from './evaluate-policy.js';
import { globWithin, layersWithin, policyWithin } from './policy-containment.js';
import type { Statement } from './policy-statement.js';
import type { TaggedAccess } from './resource.js';

const allow = (resources: string[], actions: string[]): Statement => ({
  effect: 'allow',
  resources,
  actions,
});
const deny = (resources: string[], actions: string[]): Statement => ({ effect: 'deny', resources, actions });
const everything = [allow(['*'], ['*'])];
const reader = [allow(['proj/*'], ['viewProject'])];
const writer = [allow(['proj/*', 'proj/*:env/*', 'proj/*:env/*:flag/*'], ['*'])];

describe('globWithin', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', '*', true],
    ['*', 'abc', false],
    ['ops_*', 'ops_*', true],
    ['ops_kill*', 'ops_*', true],
    ['ops_*', 'ops_kill*', false],
    ['a*b*c', 'a*c', true],
    ['a*c', 'a*b*c', false],
    ['update*', '*', true],
    ['*On', 'update*', false],
    ['', '*', true],
    ['', 'a', false],
  ])('%s within %s: %s', (a, b, expected) => {
    expect(globWithin(a, b)).toBe(expected);
  });
});

describe('policyWithin', () => {
  it('holds for the built-in chain and refuses the way up', () => {
    expect(policyWithin(reader, writer)).toBe(true);
    expect(policyWithin(writer, everything)).toBe(true);
    expect(policyWithin(writer, reader)).toBe(false);
    expect(policyWithin(everything, writer)).toBe(false);
  });

  it('narrower resources, actions and tags are within', () => {
    const wide = [allow(['proj/*:env/*:flag/*'], ['update*'])];
    expect(policyWithin([allow(['proj/default:env/*:flag/ops_*;sandbox'], ['updateOn'])], wide)).toBe(true);
    expect(policyWithin([allow(['proj/default:env/*'], ['updateOn'])], wide)).toBe(false);
    expect(policyWithin([allow(['proj/*:env/*:flag/*'], ['deleteFlag'])], wide)).toBe(false);
  });

  it('a tag the wide side requires must be required by the narrow side', () => {
    const wide = [allow(['proj/default:env/*:flag/*;sandbox'], ['*'])];
    expect(policyWithin([allow(['proj/default:env/*:flag/*'], ['updateOn'])], wide)).toBe(false);
    expect(policyWithin([allow(['proj/default:env/*:flag/*;sandbox,mobile'], ['updateOn'])], wide)).toBe(
      true,
    );
  });

  it('a deny of the wide side must be kept, unless nothing the narrow side allows can meet it', () => {
    const wide = [...everything, deny(['proj/secret'], ['*'])];
    expect(policyWithin(reader, wide)).toBe(false);
    expect(policyWithin([...reader, deny(['proj/secret'], ['*'])], wide)).toBe(true);
    expect(policyWithin([allow(['role/*'], ['*'])], wide)).toBe(true);
  });

  it('notResources and notActions compare as exclusions', () => {
    const wide = [
      { effect: 'allow', notResources: ['proj/secret:env/*:flag/*'], actions: ['*'] } as Statement,
    ];
    expect(policyWithin([allow(['proj/public:env/*:flag/*'], ['updateOn'])], wide)).toBe(true);
    expect(policyWithin([allow(['proj/*:env/*:flag/*'], ['updateOn'])], wide)).toBe(false);
    const narrower = [
      { effect: 'allow', notResources: ['proj/*:env/*:flag/*'], actions: ['*'] } as Statement,
    ];
    expect(policyWithin(narrower, wide)).toBe(true);
  });

  it('an empty policy is within anything; nothing but an empty one is within it', () => {
    expect(policyWithin([], reader)).toBe(true);
    expect(policyWithin(reader, [])).toBe(false);
  });

  it('layers: the meet of the narrow layers against each wide layer', () => {
    expect(layersWithin([writer, reader], [reader])).toBe(true);
    expect(layersWithin([writer], [reader, everything])).toBe(false);
    expect(layersWithin([everything, reader], [writer, reader])).toBe(true);
  });
});

const decide = (statements: readonly Statement[], access: TaggedAccess): boolean =>
  isAllowed(compilePolicy(statements), access.action, access.resource);

describe('policyWithin properties', () => {
  const accesses = fc.array(accessArb, { minLength: 40, maxLength: 40 });

  it('is sound: whatever a policy proven within allows, the wider one allows', () => {
    let proven = 0;
    fc.assert(
      fc.property(policyArb, policyArb, accesses, (narrow, wide, points) => {
        if (!policyWithin(narrow, wide)) return;
        proven++;
        for (const point of points) if (decide(narrow, point)) expect(decide(wide, point)).toBe(true);
      }),
      { numRuns: 1500 },
    );
    // Random pairs are rarely comparable; the next property covers the related ones.
    expect(proven).toBeGreaterThan(50);
  });

  it('proves what is built by narrowing: dropping allows, adding denies', () => {
    const narrowed = policyArb.chain((wide) =>
      fc.tuple(fc.constant(wide), fc.subarray(wide), fc.array(statementOf('deny'), { maxLength: 2 })),
    );
    fc.assert(
      fc.property(narrowed, accesses, ([wide, kept, extraDenies], points) => {
        const denies = wide.filter((s) => s.effect === 'deny');
        const narrow = [...kept.filter((s) => s.effect === 'allow'), ...denies, ...extraDenies];
        expect(policyWithin(narrow, wide)).toBe(true);
        for (const point of points) if (decide(narrow, point)) expect(decide(wide, point)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('every policy is within itself', () => {
    fc.assert(
      fc.property(policyArb, (policy) => policyWithin(policy, policy)),
      { numRuns: 2000 },
    );
  });
});
