import { describe, expect, it } from 'vitest';
import { formatIssue, validatePolicy, validateSpecifier } from './validate-policy.js';

const errorsOf = (input: unknown): string[] => {
  const result = validatePolicy(input);
  return result.ok ? [] : result.errors.map(formatIssue);
};

const warningsOf = (input: unknown): string[] => validatePolicy(input).warnings.map(formatIssue);

const statement = (fields: Record<string, unknown>) => [{ effect: 'allow', actions: ['*'], ...fields }];

describe('validatePolicy accepts', () => {
  it.each([
    ['an empty policy', []],
    [
      'the production flags example',
      [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
    ],
    [
      'notResources and notActions',
      [{ effect: 'deny', notResources: ['member/*'], notActions: ['updateOn'] }],
    ],
    [
      'every resource type',
      [
        {
          effect: 'allow',
          resources: [
            'proj/a',
            'proj/a:env/b',
            'proj/a:env/b:flag/c',
            'proj/a:env/b:segment/c',
            'proj/a:metric/m',
            'member/x@y.z',
            'member/m:token/t',
            'service-token/s',
            'role/r',
            'integration/i',
            'webhook/w',
            'acct',
            '*',
          ],
          actions: ['*'],
        },
      ],
    ],
    [
      'tags and tag globs',
      [{ effect: 'allow', resources: ['proj/*;mobile,ios:env/*;qa_*:flag/*'], actions: ['update*'] }],
    ],
    ['a comma in a key glob', [{ effect: 'allow', resources: ['proj/a,b'], actions: ['updateName'] }]],
  ])('%s', (_name, input) => {
    const result = validatePolicy(input);
    expect(result).toEqual({ ok: true, statements: input, warnings: [] });
  });

  it('returns statements with only the known fields, in LaunchDarkly shape', () => {
    const result = validatePolicy(
      JSON.parse('[{"actions":["updateOn"],"effect":"deny","notResources":["proj/*"]}]'),
    );
    expect(result.ok && result.statements).toEqual([
      { effect: 'deny', notResources: ['proj/*'], actions: ['updateOn'] },
    ]);
  });
});

describe('validatePolicy rejects', () => {
  it.each<[string, unknown, string]>([
    ['a non-array', { effect: 'allow' }, 'a policy must be an array of statements'],
    ['null', null, 'a policy must be an array of statements'],
    ['a statement that is not an object', ['allow'], '/0: a statement must be an object'],
    ['a statement that is an array', [[]], '/0: a statement must be an object'],
    [
      'an unknown field, with a suggestion',
      statement({ resources: ['proj/*'], resource: ['x'] }),
      '/0/resource: unknown field "resource" (did you mean "resources"?)',
    ],
    [
      'an unknown field with a slash, escaped in the pointer',
      statement({ resources: ['proj/*'], 'a/b~': 1 }),
      '/0/a~1b~0: unknown field "a/b~"',
    ],
    [
      'a missing effect',
      [{ resources: ['proj/*'], actions: ['*'] }],
      '/0: missing "effect" ("allow" or "deny")',
    ],
    [
      'an invalid effect, with a suggestion',
      [{ effect: 'Allow', resources: ['proj/*'], actions: ['*'] }],
      '/0/effect: "effect" must be "allow" or "deny" (did you mean "allow"?)',
    ],
    [
      'a non-string effect',
      [{ effect: true, resources: ['proj/*'], actions: ['*'] }],
      '/0/effect: "effect" must be "allow" or "deny"',
    ],
    [
      'both resources and notResources',
      statement({ resources: ['proj/*'], notResources: ['proj/*'] }),
      '/0: has both "resources" and "notResources"; use exactly one',
    ],
    ['neither resources nor notResources', statement({}), '/0: missing "resources" (or "notResources")'],
    [
      'both actions and notActions',
      [{ effect: 'allow', resources: ['proj/*'], actions: ['*'], notActions: ['x'] }],
      '/0: has both "actions" and "notActions"; use exactly one',
    ],
    [
      'neither actions nor notActions',
      [{ effect: 'allow', resources: ['proj/*'] }],
      '/0: missing "actions" (or "notActions")',
    ],
    ['an empty resources list', statement({ resources: [] }), '/0/resources: "resources" must not be empty'],
    [
      'an empty notActions list',
      [{ effect: 'allow', resources: ['proj/*'], notActions: [] }],
      '/0/notActions: "notActions" must not be empty',
    ],
    [
      'a resources string instead of a list',
      statement({ resources: 'proj/*' }),
      '/0/resources: "resources" must be an array of strings',
    ],
    [
      'a non-string resource',
      statement({ resources: ['proj/*', 7] }),
      '/0/resources/1: must be a string, not a number',
    ],
    [
      'a non-string action',
      [{ effect: 'allow', resources: ['proj/*'], actions: [null] }],
      '/0/actions/0: must be a string, not null',
    ],
    [
      'an empty action',
      [{ effect: 'allow', resources: ['proj/*'], actions: [''] }],
      '/0/actions/0: empty action name (use "*" for every action)',
    ],
    [
      'an unknown resource type, with a suggestion',
      statement({ resources: ['proj/*:env/*:flags/*'] }),
      '/0/resources/0: unknown resource type "flags" (did you mean "flag"?)',
    ],
  ])('%s', (_name, input, expected) => {
    expect(errorsOf(input)[0]).toMatch(new RegExp(`^${escapeRegExp(expected)}`));
  });

  it('points at the offending statement in a longer policy', () => {
    const input = [
      { effect: 'allow', resources: ['proj/*'], actions: ['*'] },
      { effect: 'allow', resources: ['proj/*:env/*:flag/*', 'flags/*'], actions: ['*'] },
    ];
    expect(errorsOf(input)).toEqual(['/1/resources/1: unknown resource type "flags" (did you mean "flag"?)']);
  });

  it('reports every problem at once', () => {
    const input = [{ effect: 'maybe', resources: [], actions: ['*'], extra: 1 }, 'x'];
    expect(errorsOf(input)).toEqual([
      '/0/extra: unknown field "extra"',
      '/0/effect: "effect" must be "allow" or "deny"',
      '/0/resources: "resources" must not be empty',
      '/1: a statement must be an object with "effect", "resources" or "notResources", and "actions" or "notActions"',
    ]);
  });

  it('treats a hole in a sparse array as a missing statement or element', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the test
    const sparse = [, { effect: 'allow', resources: ['proj/*'], actions: [, '*'] }];
    expect(errorsOf(sparse)).toEqual([
      '/0: a statement must be an object with "effect", "resources" or "notResources", and "actions" or "notActions"',
      '/1/actions/0: must be a string, not nothing',
    ]);
  });

  it('does not mistake inherited property names for fields', () => {
    expect(
      errorsOf([JSON.parse('{"__proto__":{"effect":"allow"},"resources":["proj/*"],"actions":["*"]}')]),
    ).toEqual(['/0/__proto__: unknown field "__proto__"', '/0: missing "effect" ("allow" or "deny")']);
  });
});

describe('validateSpecifier', () => {
  it.each([
    'proj/*',
    'proj/*:env/production:flag/*',
    'proj/a,b',
    'proj/*;mobile,ios',
    'proj/*:env/*;qa_*:flag/*',
    'member/alice@acme.com',
    'member/*:token/*',
    'service-token/*',
    'acct',
    '*',
    'proj/*:metric/*',
    'proj/*:env/*:segment/beta-*',
  ])('accepts %s', (spec) => expect(validateSpecifier(spec)).toEqual({ ok: true }));

  it.each([
    ['', 'empty resource specifier'],
    ['flags/*', 'unknown resource type "flags" (did you mean "flag"?)'],
    ['project/*', 'unknown resource type "project" (did you mean "proj"?)'],
    ['environment/*', 'unknown resource type "environment" (did you mean "env"?)'],
    ['goal/*', 'unknown resource type "goal" (did you mean "metric"?)'],
    ['account', 'unknown resource type "account" (did you mean "acct"?)'],
    ['Proj/*', 'unknown resource type "Proj" (did you mean "proj"?)'],
    ['banana/*', 'unknown resource type "banana"'],
    ['env/x', '"env" must be nested as proj/KEY:env/KEY'],
    ['proj/*:flag/*', '"flag" must be nested as proj/KEY:env/KEY:flag/KEY'],
    ['env/*:proj/*', '"env" must be nested as proj/KEY:env/KEY'],
    ['token/*', '"token" must be nested as member/ID-or-email:token/ID'],
    [
      'proj/*:member/*',
      '"member" is a top-level resource and cannot follow "proj"; write member/ID-or-email',
    ],
    ['proj/*:env/*:flag/*:env/*', '"env" must be nested as proj/KEY:env/KEY'],
    ['proj', '"proj" needs a key: proj/KEY (use proj/* for any key)'],
    ['proj;mobile', '"proj" needs a key: proj/KEY (use proj/* for any key)'],
    ['proj/', 'empty key in "proj/" (use proj/* to match any key)'],
    ['proj/;mobile', 'empty key in "proj/;mobile" (use proj/* to match any key)'],
    ['/x', 'missing resource type before "/" in "/x"'],
    ['proj/*:', 'empty segment in "proj/*:" (stray ":"?)'],
    [':proj/*', 'empty segment in ":proj/*" (stray ":"?)'],
    ['proj/*;', 'empty tag list after ";" in "proj/*;"'],
    ['proj/*;a,,b', 'empty tag in tag list "a,,b" of "proj/*;a,,b"'],
    ['proj/*;a,', 'empty tag in tag list "a," of "proj/*;a,"'],
    ['proj/*;a;b', 'more than one ";" in "proj/*;a;b"; separate tags with commas: ;tag1,tag2'],
    ['*:env/*', '"*" matches every resource only on its own; write TYPE/* to match any key'],
    ['acct:proj/*', '"acct" stands alone and cannot be combined with other segments'],
    ['acct/x', '"acct" takes no key; write acct'],
    ['constructor/x', 'unknown resource type "constructor"'],
  ])('rejects %j: %s', (spec, message) => {
    expect(validateSpecifier(spec)).toEqual({ ok: false, message });
  });

  it('rejects a non-string', () => {
    expect(validateSpecifier(3)).toEqual({ ok: false, message: 'a resource specifier must be a string' });
  });
});

describe('validatePolicy warnings', () => {
  it.each<[string, string[], string]>([
    [
      'an unknown action, with a suggestion',
      ['updateon'],
      '/0/notActions/0: unknown action "updateon" (did you mean "updateOn"?)',
    ],
    [
      'a misspelt action',
      ['creatFlag'],
      '/0/notActions/0: unknown action "creatFlag" (did you mean "createFlag"?)',
    ],
    [
      'the invite under another name',
      ['inviteMember'],
      '/0/notActions/0: unknown action "inviteMember" (did you mean "createMember"?)',
    ],
    [
      'an unknown action without a suggestion',
      ['frobnicate'],
      '/0/notActions/0: unknown action "frobnicate"',
    ],
    [
      'an action glob matching nothing',
      ['toggle*'],
      '/0/notActions/0: action glob "toggle*" matches no known action',
    ],
  ])('%s', (_name, actions, expected) => {
    const input = [{ effect: 'allow', resources: ['proj/*'], notActions: actions }];
    const result = validatePolicy(input);
    expect(result.ok).toBe(true);
    expect(warningsOf(input)).toEqual([expected]);
  });

  it.each([['*'], ['update*'], ['*Flag'], ['createMember', 'deleteMember', 'updateRole']])(
    'stays quiet for known actions and useful globs: %j',
    (...actions) => {
      expect(warningsOf([{ effect: 'allow', resources: ['proj/*'], actions }])).toEqual([]);
    },
  );

  it('keeps warnings next to errors', () => {
    const result = validatePolicy([{ effect: 'allow', resources: ['flags/*'], actions: ['updateOnn'] }]);
    expect(result).toEqual({
      ok: false,
      errors: [
        { pointer: '/0/resources/0', message: 'unknown resource type "flags" (did you mean "flag"?)' },
      ],
      warnings: [
        { pointer: '/0/actions/0', message: 'unknown action "updateOnn" (did you mean "updateOn"?)' },
      ],
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
