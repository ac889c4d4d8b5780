import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_GLOBS,
  accessArb,
  listArb,
  policyArb,
  specifierArb,
  statementArb,
  statementOf,
} from '../../test/helpers/policy-arbitraries.js';
import { type CompiledPolicy, compilePolicy } from './compile-policy.js';
import { isAllowed, matchesEntry } from './evaluate-policy.js';
import { PolicyIndex } from './policy-index.js';
import type { Statement } from './policy-statement.js';
import type { TaggedAccess, TaggedResource } from './resource.js';
import { validatePolicy, validateSpecifier } from './validate-policy.js';

const decide = (statements: readonly Statement[], access: TaggedAccess): boolean =>
  isAllowed(compilePolicy(statements), access.action, access.resource);

/**
 * A deliberately naive reading of policy.md, working on the strings: split each specifier, turn
 * each glob into a regular expression, and ask the three questions of the decision literally.
 */
function referenceDecision(statements: readonly Statement[], access: TaggedAccess): boolean {
  const glob = (pattern: string, text: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    ).test(text);
  const matchesSpecifier = (spec: string, resource: TaggedResource): boolean => {
    if (spec === '*') return true;
    if (spec === 'acct') return resource.length === 1 && resource[0]!.type === 'acct';
    const parts = spec.split(':');
    return (
      parts.length === resource.length &&
      parts.every((part, i) => {
        const segment = resource[i]!;
        const [typeAndKey = '', tagList] = part.split(';');
        const slash = typeAndKey.indexOf('/');
        const keys = [segment.key, ...(segment.aliases ?? [])];
        return (
          typeAndKey.slice(0, slash) === segment.type &&
          keys.some((key) => glob(typeAndKey.slice(slash + 1), key)) &&
          (tagList === undefined || tagList.split(',').every((tag) => segment.tags.some((t) => glob(tag, t))))
        );
      })
    );
  };
  const applies = (statement: Statement) => {
    const resourceHit = (statement.resources ?? statement.notResources ?? []).some((spec) =>
      matchesSpecifier(spec, access.resource),
    );
    const actionHit = (statement.actions ?? statement.notActions ?? []).some((action) =>
      glob(action, access.action),
    );
    return (statement.resources ? resourceHit : !resourceHit) && (statement.actions ? actionHit : !actionHit);
  };
  const applicable = statements.filter(applies);
  return applicable.some((s) => s.effect === 'allow') && !applicable.some((s) => s.effect === 'deny');
}

describe('decision properties', () => {
  it('agrees with a naive string-based reading of the spec', () => {
    fc.assert(
      fc.property(policyArb, accessArb, (statements, access) => {
        expect(decide(statements, access)).toBe(referenceDecision(statements, access));
      }),
      { numRuns: 3000 },
    );
  });

  it('statement order never changes a decision', () => {
    const shuffled = policyArb.chain((statements) =>
      fc.tuple(
        fc.constant(statements),
        fc.shuffledSubarray(statements, { minLength: statements.length, maxLength: statements.length }),
      ),
    );
    fc.assert(
      fc.property(shuffled, accessArb, ([statements, permutation], access) => {
        expect(decide(permutation, access)).toBe(decide(statements, access));
      }),
      { numRuns: 2000 },
    );
  });

  it('adding a deny never turns a deny into an allow', () => {
    fc.assert(
      fc.property(policyArb, statementOf('deny'), fc.nat(), accessArb, (statements, denial, at, access) => {
        const extended = [...statements];
        extended.splice(at % (statements.length + 1), 0, denial);
        if (!decide(statements, access)) expect(decide(extended, access)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('adding an allow never turns an allow into a deny', () => {
    fc.assert(
      fc.property(policyArb, statementOf('allow'), fc.nat(), accessArb, (statements, grant, at, access) => {
        const extended = [...statements];
        extended.splice(at % (statements.length + 1), 0, grant);
        if (decide(statements, access)) expect(decide(extended, access)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('notResources applies exactly where resources does not', () => {
    fc.assert(
      fc.property(listArb(specifierArb), accessArb, (specs, access) => {
        const listed = decide([{ effect: 'allow', resources: specs, actions: ['*'] }], access);
        const unlisted = decide([{ effect: 'allow', notResources: specs, actions: ['*'] }], access);
        expect(unlisted).toBe(!listed);
      }),
      { numRuns: 1000 },
    );
  });

  it('the generated specifiers are all valid', () => {
    fc.assert(
      fc.property(specifierArb, (spec) => {
        expect(validateSpecifier(spec)).toEqual({ ok: true });
      }),
    );
  });
});

/** Follows an RFC 6901 pointer; `found` is false when it names nothing in the input. */
function resolvePointer(root: unknown, pointer: string): { found: boolean } {
  if (pointer === '') return { found: true };
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof current !== 'object' || current === null) return { found: false };
    // A hole in a sparse array is still a position the pointer can name.
    const present = Array.isArray(current)
      ? /^(0|[1-9]\d*)$/.test(token) && Number(token) < current.length
      : Object.hasOwn(current, token);
    if (!present) return { found: false };
    current = (current as Record<string, unknown>)[token];
  }
  return { found: true };
}

describe('validator robustness', () => {
  const nearValidStatement = fc.record(
    {
      effect: fc.oneof(fc.constantFrom('allow', 'deny', 'Allow', ''), fc.jsonValue()),
      resources: fc.oneof(
        listArb(specifierArb),
        fc.array(
          fc.string({ unit: fc.constantFrom('p', 'r', 'o', 'j', '/', ':', ';', ',', '*', 'e', 'n', 'v') }),
        ),
        fc.jsonValue(),
      ),
      notResources: fc.oneof(listArb(specifierArb), fc.jsonValue()),
      actions: fc.oneof(listArb(fc.constantFrom(...ACTION_GLOBS, 'updateon', 'nope*', '')), fc.jsonValue()),
      notActions: fc.oneof(listArb(fc.string()), fc.jsonValue()),
      resource: fc.jsonValue(),
      'we/ird~': fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  const inputs: fc.Arbitrary<unknown> = fc.oneof(
    fc.anything({
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withBoxedValues: true,
    }),
    fc.jsonValue(),
    fc.array(fc.oneof(nearValidStatement, fc.jsonValue()), { maxLength: 4 }),
    fc.array(nearValidStatement, { maxLength: 4 }),
  );

  it('never throws, and every issue points at something in the input', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const result = validatePolicy(input);
        const issues = result.ok ? result.warnings : [...result.errors, ...result.warnings];
        for (const issue of issues) {
          expect(issue.message).not.toBe('');
          expect(resolvePointer(input, issue.pointer).found).toBe(true);
        }
        if (result.ok) {
          // What validates compiles.
          expect(() => compilePolicy(result.statements)).not.toThrow();
        } else {
          expect(result.errors.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every well-formed generated policy', () => {
    fc.assert(
      fc.property(policyArb, (statements) => {
        const result = validatePolicy(JSON.parse(JSON.stringify(statements)));
        expect(result.ok && result.statements).toEqual(statements);
      }),
    );
  });
});

describe('fan-out index', () => {
  // Filters built from a small pool of statements and drawn from a small pool of filters, so that
  // statements are shared across filters and filters across ids, as the index expects.
  const scenario = fc
    .array(statementArb, { minLength: 1, maxLength: 6 })
    .chain((statements) =>
      fc.array(fc.array(fc.constantFrom(...statements), { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
    )
    .chain((pool) => {
      const filter = fc.oneof(
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 6, arbitrary: fc.constantFrom(...pool) },
      );
      const operation = fc.oneof(
        fc.record({ kind: fc.constant('add' as const), id: fc.nat(30), statements: filter }),
        fc.record({ kind: fc.constant('remove' as const), id: fc.nat(30) }),
      );
      return fc.tuple(
        fc.array(operation, { maxLength: 60 }),
        fc.array(fc.array(accessArb, { maxLength: 4 }), { minLength: 1, maxLength: 5 }),
      );
    });

  it('returns exactly what a full scan returns, through adds, replacements and removals', () => {
    fc.assert(
      fc.property(scenario, ([operations, entries]) => {
        const index = new PolicyIndex<number>();
        const reference = new Map<number, CompiledPolicy | null>();
        for (const op of operations) {
          if (op.kind === 'add') {
            // Compiled afresh each time: grouping must rely on the fingerprint, not on identity.
            const policy = op.statements === null ? null : compilePolicy(op.statements);
            index.add(op.id, policy);
            reference.set(op.id, policy);
          } else {
            expect(index.remove(op.id)).toBe(reference.delete(op.id));
          }
        }
        expect(index.size).toBe(reference.size);
        for (const accesses of entries) {
          const expected = [...reference]
            .filter(([, policy]) => matchesEntry(policy, accesses))
            .map(([id]) => id);
          expect(index.match(accesses).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
