import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { compileSpecifier, isAllowed, matchesEntry } from './evaluate-policy.js';
import type { Statement } from './policy-statement.js';
import { parseTaggedResource, type TaggedAccess, type TaggedResource } from './resource.js';

const allow = (resources: string[], actions: string[] = ['*']): Statement => ({
  effect: 'allow',
  resources,
  actions,
});
const deny = (resources: string[], actions: string[] = ['*']): Statement => ({
  effect: 'deny',
  resources,
  actions,
});

const decide = (statements: Statement[], action: string, resource: string): boolean =>
  isAllowed(compilePolicy(statements), action, parseTaggedResource(resource));

const member = (id: string, email: string, tags: string[] = []): TaggedResource => [
  { type: 'member', key: id, tags, aliases: [email] },
];

const PRODUCTION_FLAGS = [allow(['proj/*:env/production:flag/*'])];

interface Case {
  readonly rule: string;
  readonly statements: Statement[];
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
}

const cases: Case[] = [
  // Decision: deny wins, default deny.
  {
    rule: 'an applicable allow allows',
    statements: PRODUCTION_FLAGS,
    action: 'updateOn',
    resource: 'proj/default:env/production:flag/x',
    allowed: true,
  },
  {
    rule: 'deny wins over an applicable allow',
    statements: [allow(['proj/*:env/*:flag/*']), deny(['proj/*:env/production:flag/*'])],
    action: 'updateOn',
    resource: 'proj/default:env/production:flag/x',
    allowed: false,
  },
  {
    rule: 'a deny that does not apply leaves the allow',
    statements: [allow(['proj/*:env/*:flag/*']), deny(['proj/*:env/production:flag/*'])],
    action: 'updateOn',
    resource: 'proj/default:env/test:flag/x',
    allowed: true,
  },
  {
    rule: 'default deny when nothing applies',
    statements: PRODUCTION_FLAGS,
    action: 'updateOn',
    resource: 'proj/default:env/test:flag/x',
    allowed: false,
  },
  {
    rule: 'an empty policy grants nothing',
    statements: [],
    action: 'updateOn',
    resource: 'proj/default:env/production:flag/x',
    allowed: false,
  },
  {
    rule: 'a deny alone grants nothing',
    statements: [deny(['proj/*:env/test:flag/*'])],
    action: 'updateOn',
    resource: 'proj/default:env/production:flag/x',
    allowed: false,
  },

  // The action side.
  {
    rule: 'literal action matches',
    statements: [allow(['proj/*'], ['createProject'])],
    action: 'createProject',
    resource: 'proj/a',
    allowed: true,
  },
  {
    rule: 'literal action does not match another',
    statements: [allow(['proj/*'], ['createProject'])],
    action: 'deleteProject',
    resource: 'proj/a',
    allowed: false,
  },
  {
    rule: 'action glob update* matches updateOn',
    statements: [allow(['proj/*:env/*:flag/*'], ['update*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: true,
  },
  {
    rule: 'action glob update* does not match createFlag',
    statements: [allow(['proj/*:env/*:flag/*'], ['update*'])],
    action: 'createFlag',
    resource: 'proj/a:env/b:flag/c',
    allowed: false,
  },
  {
    rule: 'action names are case-sensitive',
    statements: [allow(['proj/*:env/*:flag/*'], ['updateon'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: false,
  },
  {
    rule: 'notActions applies to actions it does not list',
    statements: [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], notActions: ['deleteFlag'] }],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: true,
  },
  {
    rule: 'notActions does not apply to an action it lists',
    statements: [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], notActions: ['deleteFlag'] }],
    action: 'deleteFlag',
    resource: 'proj/a:env/b:flag/c',
    allowed: false,
  },
  {
    rule: 'notActions with a glob excludes every action it matches',
    statements: [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], notActions: ['update*'] }],
    action: 'updateRules',
    resource: 'proj/a:env/b:flag/c',
    allowed: false,
  },
  {
    rule: 'a deny with notActions denies the other actions',
    statements: [
      allow(['proj/*:env/*:flag/*']),
      { effect: 'deny', resources: ['proj/*:env/*:flag/*'], notActions: ['updateOn'] },
    ],
    action: 'deleteFlag',
    resource: 'proj/a:env/b:flag/c',
    allowed: false,
  },
  {
    rule: 'a deny with notActions spares the listed action',
    statements: [
      allow(['proj/*:env/*:flag/*']),
      { effect: 'deny', resources: ['proj/*:env/*:flag/*'], notActions: ['updateOn'] },
    ],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: true,
  },

  // notResources.
  {
    rule: 'notResources applies to a resource it does not list',
    statements: [{ effect: 'allow', notResources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
    action: 'updateOn',
    resource: 'proj/a:env/test:flag/x',
    allowed: true,
  },
  {
    rule: 'notResources does not apply to a resource it lists',
    statements: [{ effect: 'allow', notResources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
    action: 'updateOn',
    resource: 'proj/a:env/production:flag/x',
    allowed: false,
  },
  {
    rule: 'notResources with several entries excludes each of them',
    statements: [
      { effect: 'allow', notResources: ['proj/*:env/production:flag/*', 'member/*'], actions: ['*'] },
    ],
    action: 'deleteMember',
    resource: 'member/abc',
    allowed: false,
  },
  {
    rule: 'a deny with notResources denies everything else',
    statements: [allow(['*']), { effect: 'deny', notResources: ['proj/*:env/test:flag/*'], actions: ['*'] }],
    action: 'updateOn',
    resource: 'proj/a:env/production:flag/x',
    allowed: false,
  },
  {
    rule: 'a deny with notResources spares what it lists',
    statements: [allow(['*']), { effect: 'deny', notResources: ['proj/*:env/test:flag/*'], actions: ['*'] }],
    action: 'updateOn',
    resource: 'proj/a:env/test:flag/x',
    allowed: true,
  },

  // Segment by segment, equal depth, same types.
  {
    rule: 'proj/* matches a project',
    statements: [allow(['proj/*'])],
    action: 'createProject',
    resource: 'proj/a',
    allowed: true,
  },
  {
    rule: 'proj/* does not match an environment',
    statements: [allow(['proj/*'])],
    action: 'createEnvironment',
    resource: 'proj/a:env/b',
    allowed: false,
  },
  {
    rule: 'proj/* does not match a flag',
    statements: [allow(['proj/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: false,
  },
  {
    rule: 'proj/*:env/* matches an environment',
    statements: [allow(['proj/*:env/*'])],
    action: 'updateName',
    resource: 'proj/a:env/b',
    allowed: true,
  },
  {
    rule: 'proj/*:env/* does not match a project',
    statements: [allow(['proj/*:env/*'])],
    action: 'updateName',
    resource: 'proj/a',
    allowed: false,
  },
  {
    rule: 'proj/*:env/* does not match a flag in it',
    statements: [allow(['proj/*:env/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: false,
  },
  {
    rule: 'a flag pattern does not match a segment at the same depth',
    statements: [allow(['proj/*:env/*:flag/*'])],
    action: 'updateRules',
    resource: 'proj/a:env/b:segment/c',
    allowed: false,
  },
  {
    rule: 'a segment pattern matches a segment',
    statements: [allow(['proj/*:env/*:segment/*'])],
    action: 'updateRules',
    resource: 'proj/a:env/b:segment/c',
    allowed: true,
  },
  {
    rule: 'a metric pattern matches a metric',
    statements: [allow(['proj/*:metric/*'])],
    action: 'createMetric',
    resource: 'proj/a:metric/m',
    allowed: true,
  },
  {
    rule: 'a metric pattern does not match an environment',
    statements: [allow(['proj/*:metric/*'])],
    action: 'createMetric',
    resource: 'proj/a:env/m',
    allowed: false,
  },
  {
    rule: 'literal keys must all be equal',
    statements: [allow(['proj/a:env/production:flag/x'])],
    action: 'updateOn',
    resource: 'proj/b:env/production:flag/x',
    allowed: false,
  },
  {
    rule: 'literal keys equal at every level match',
    statements: [allow(['proj/a:env/production:flag/x'])],
    action: 'updateOn',
    resource: 'proj/a:env/production:flag/x',
    allowed: true,
  },

  // Key globs.
  {
    rule: 'flag/ops_* matches ops_killswitch',
    statements: [allow(['proj/*:env/*:flag/ops_*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/ops_killswitch',
    allowed: true,
  },
  {
    rule: 'flag/ops_* does not match web_banner',
    statements: [allow(['proj/*:env/*:flag/ops_*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/web_banner',
    allowed: false,
  },
  {
    rule: 'a suffix glob matches',
    statements: [allow(['proj/*:env/*:flag/*_banner'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/web_banner',
    allowed: true,
  },
  {
    rule: 'a suffix glob does not match a prefix',
    statements: [allow(['proj/*:env/*:flag/*_banner'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/banner_web',
    allowed: false,
  },
  {
    rule: 'a glob with stars inside matches',
    statements: [allow(['proj/*:env/prod*-eu*:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/prod-eu-1:flag/x',
    allowed: true,
  },
  {
    rule: 'a glob with stars inside needs its parts in order',
    statements: [allow(['proj/*:env/prod*-eu*:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/eu-prod:flag/x',
    allowed: false,
  },
  {
    rule: '* in a key glob does not reach into the next segment',
    statements: [allow(['proj/de*production'])],
    action: 'updateName',
    resource: 'proj/default:env/production',
    allowed: false,
  },

  // Case sensitivity.
  {
    rule: 'env/Production does not match production',
    statements: [allow(['proj/*:env/Production:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/production:flag/x',
    allowed: false,
  },
  {
    rule: 'env/production matches production',
    statements: [allow(['proj/*:env/production:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/production:flag/x',
    allowed: true,
  },
  {
    rule: 'tags are case-sensitive',
    statements: [allow(['proj/*;Mobile'])],
    action: 'updateTags',
    resource: 'proj/a;mobile',
    allowed: false,
  },

  // Tags.
  {
    rule: 'proj/*;mobile matches a project tagged mobile',
    statements: [allow(['proj/*;mobile'])],
    action: 'updateTags',
    resource: 'proj/a;mobile',
    allowed: true,
  },
  {
    rule: 'proj/*;mobile does not match an untagged project',
    statements: [allow(['proj/*;mobile'])],
    action: 'updateTags',
    resource: 'proj/a',
    allowed: false,
  },
  {
    rule: 'proj/*;mobile does not match a project tagged otherwise',
    statements: [allow(['proj/*;mobile'])],
    action: 'updateTags',
    resource: 'proj/a;web,desktop',
    allowed: false,
  },
  {
    rule: 'a tag list requires all tags',
    statements: [allow(['proj/*;mobile,ios'])],
    action: 'updateTags',
    resource: 'proj/a;mobile',
    allowed: false,
  },
  {
    rule: 'a tag list matches when all tags are present',
    statements: [allow(['proj/*;mobile,ios'])],
    action: 'updateTags',
    resource: 'proj/a;ios,web,mobile',
    allowed: true,
  },
  {
    rule: '"either" is two statements (first)',
    statements: [allow(['proj/*;mobile']), allow(['proj/*;ios'])],
    action: 'updateTags',
    resource: 'proj/a;mobile',
    allowed: true,
  },
  {
    rule: '"either" is two statements (second)',
    statements: [allow(['proj/*;mobile']), allow(['proj/*;ios'])],
    action: 'updateTags',
    resource: 'proj/a;ios',
    allowed: true,
  },
  {
    rule: '"either" is two statements (neither)',
    statements: [allow(['proj/*;mobile']), allow(['proj/*;ios'])],
    action: 'updateTags',
    resource: 'proj/a;web',
    allowed: false,
  },
  {
    rule: 'tag globs match',
    statements: [allow(['proj/*:env/*;qa_*'])],
    action: 'updateName',
    resource: 'proj/a:env/b;qa_east',
    allowed: true,
  },
  {
    rule: 'tag globs do not match other tags',
    statements: [allow(['proj/*:env/*;qa_*'])],
    action: 'updateName',
    resource: 'proj/a:env/b;qa,prod_qa_x',
    allowed: false,
  },
  {
    rule: 'a tag glob * requires at least one tag',
    statements: [allow(['proj/*;*'])],
    action: 'updateTags',
    resource: 'proj/a',
    allowed: false,
  },
  {
    rule: 'tags on a parent segment filter the children',
    statements: [allow(['proj/*:env/*;qa_*:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b;qa_1:flag/c',
    allowed: true,
  },
  {
    rule: 'parent tags are looked for on the parent, not the child',
    statements: [allow(['proj/*:env/*;qa_*:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c;qa_1',
    allowed: false,
  },
  {
    rule: 'a segment without ";" matches tagged resources',
    statements: [allow(['proj/*:env/*:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a;x:env/b;y:flag/c;z',
    allowed: true,
  },
  {
    rule: 'a segment without ";" matches untagged resources',
    statements: [allow(['proj/*:env/*:flag/*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: true,
  },

  // Bare *, acct, commas.
  {
    rule: 'bare * matches a project',
    statements: [allow(['*'])],
    action: 'createProject',
    resource: 'proj/a',
    allowed: true,
  },
  {
    rule: 'bare * matches a flag',
    statements: [allow(['*'])],
    action: 'updateOn',
    resource: 'proj/a:env/b:flag/c',
    allowed: true,
  },
  {
    rule: 'bare * matches acct',
    statements: [allow(['*'])],
    action: 'updateName',
    resource: 'acct',
    allowed: true,
  },
  {
    rule: 'bare * matches a token',
    statements: [allow(['*'])],
    action: 'createAccessToken',
    resource: 'member/m:token/t',
    allowed: true,
  },
  {
    rule: 'acct matches the account',
    statements: [allow(['acct'])],
    action: 'updateName',
    resource: 'acct',
    allowed: true,
  },
  {
    rule: 'acct does not match a project',
    statements: [allow(['acct'])],
    action: 'updateName',
    resource: 'proj/acct',
    allowed: false,
  },
  {
    rule: 'proj/* does not match acct',
    statements: [allow(['proj/*'])],
    action: 'updateName',
    resource: 'acct',
    allowed: false,
  },
  {
    rule: 'a comma in a key glob is part of the key',
    statements: [allow(['proj/a,b'])],
    action: 'updateName',
    resource: 'proj/a,b',
    allowed: true,
  },
  {
    rule: 'a comma in a key glob is not a list (a)',
    statements: [allow(['proj/a,b'])],
    action: 'updateName',
    resource: 'proj/a',
    allowed: false,
  },
  {
    rule: 'a comma in a key glob is not a list (b)',
    statements: [allow(['proj/a,b'])],
    action: 'updateName',
    resource: 'proj/b',
    allowed: false,
  },

  // The other resource types.
  {
    rule: 'member/*:token/* matches a token',
    statements: [allow(['member/*:token/*'])],
    action: 'createAccessToken',
    resource: 'member/m:token/t',
    allowed: true,
  },
  {
    rule: 'member/* does not match a token',
    statements: [allow(['member/*'])],
    action: 'createAccessToken',
    resource: 'member/m:token/t',
    allowed: false,
  },
  {
    rule: 'service-token/* matches a service token',
    statements: [allow(['service-token/*'])],
    action: 'createAccessToken',
    resource: 'service-token/s1',
    allowed: true,
  },
  {
    rule: 'service-token/* does not match a personal token',
    statements: [allow(['service-token/*'])],
    action: 'createAccessToken',
    resource: 'member/m:token/s1',
    allowed: false,
  },
  {
    rule: 'role/ops matches the role',
    statements: [allow(['role/ops'])],
    action: 'updatePolicy',
    resource: 'role/ops',
    allowed: true,
  },
  {
    rule: 'role/ops does not match another role',
    statements: [allow(['role/ops'])],
    action: 'updatePolicy',
    resource: 'role/dev',
    allowed: false,
  },
  {
    rule: 'integration/* matches an integration',
    statements: [allow(['integration/*'])],
    action: 'updateOn',
    resource: 'integration/abc',
    allowed: true,
  },
  {
    rule: 'webhook/* does not match an integration',
    statements: [allow(['webhook/*'])],
    action: 'updateOn',
    resource: 'integration/abc',
    allowed: false,
  },
];

describe('isAllowed', () => {
  it.each(cases)('$rule', ({ statements, action, resource, allowed }) => {
    expect(decide(statements, action, resource)).toBe(allowed);
    // Statement order never matters.
    expect(decide([...statements].reverse(), action, resource)).toBe(allowed);
  });

  describe('member/ID-or-email', () => {
    const alice = member('5f0c0ffee0000000000000a1', 'alice@acme.com');
    const policyFor = (spec: string) => compilePolicy([allow([spec], ['updateRole'])]);

    it.each([
      ['member/5f0c0ffee0000000000000a1', true],
      ['member/alice@acme.com', true],
      ['member/*@acme.com', true],
      ['member/bob@acme.com', false],
      ['member/*@example.com', false],
      ['member/Alice@acme.com', false],
    ])('%s matches alice: %s', (spec, expected) => {
      expect(isAllowed(policyFor(spec), 'updateRole', alice)).toBe(expected);
    });

    it('matches a token by its member email', () => {
      const token: TaggedResource = [...alice, { type: 'token', key: 't1', tags: [] }];
      expect(
        isAllowed(compilePolicy([allow(['member/alice@acme.com:token/*'])]), 'deleteAccessToken', token),
      ).toBe(true);
      expect(
        isAllowed(compilePolicy([allow(['member/bob@acme.com:token/*'])]), 'deleteAccessToken', token),
      ).toBe(false);
    });
  });
});

describe('the documented examples', () => {
  const examples: {
    name: string;
    statements: Statement[];
    yes: [string, string][];
    no: [string, string][];
  }[] = [
    {
      name: 'production flags only',
      statements: PRODUCTION_FLAGS,
      yes: [
        ['updateOn', 'proj/default:env/production:flag/new-checkout'],
        ['createFlag', 'proj/mobile:env/production:flag/x'],
      ],
      no: [
        ['updateOn', 'proj/default:env/test:flag/new-checkout'],
        ['updateName', 'proj/default:env/production'],
        ['createMember', 'member/abc'],
        ['updateRules', 'proj/default:env/production:segment/beta'],
      ],
    },
    {
      name: 'kill switches in production, nothing else',
      statements: [allow(['proj/*:env/production:flag/*'], ['updateOn'])],
      yes: [['updateOn', 'proj/default:env/production:flag/x']],
      no: [
        ['updateRules', 'proj/default:env/production:flag/x'],
        ['updateOn', 'proj/default:env/test:flag/x'],
        ['updateOn', 'integration/abc'],
      ],
    },
    {
      name: 'everything except production flags',
      statements: [{ effect: 'allow', notResources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
      yes: [
        ['updateOn', 'proj/default:env/test:flag/x'],
        ['createMember', 'member/abc'],
        ['updateName', 'proj/default:env/production'],
        ['updateName', 'acct'],
      ],
      no: [['updateOn', 'proj/default:env/production:flag/x']],
    },
    {
      name: 'team management only',
      statements: [allow(['member/*'], ['createMember', 'deleteMember', 'updateRole'])],
      yes: [
        ['createMember', 'member/abc'],
        ['deleteMember', 'member/abc'],
        ['updateRole', 'member/abc'],
      ],
      no: [
        ['updateCustomRole', 'member/abc'],
        ['createAccessToken', 'member/abc:token/t'],
        ['updateOn', 'proj/a:env/production:flag/x'],
      ],
    },
    {
      name: 'all flags but those tagged experimental',
      statements: [allow(['proj/*:env/*:flag/*']), deny(['proj/*:env/*:flag/*;experimental'])],
      yes: [
        ['updateOn', 'proj/a:env/test:flag/x'],
        ['updateOn', 'proj/a:env/production:flag/x;beta'],
      ],
      no: [
        ['updateOn', 'proj/a:env/production:flag/x;experimental'],
        ['updateOn', 'proj/a:env/production:flag/x;beta,experimental'],
        ['updateName', 'proj/a:env/production'],
      ],
    },
  ];

  describe.each(examples)('$name', ({ statements, yes, no }) => {
    it.each(yes)('allows %s on %s', (action, resource) =>
      expect(decide(statements, action, resource)).toBe(true),
    );
    it.each(no)('denies %s on %s', (action, resource) =>
      expect(decide(statements, action, resource)).toBe(false),
    );
  });
});

describe('matchesEntry (notification filter)', () => {
  const access = (action: string, resource: string): TaggedAccess => ({
    action,
    resource: parseTaggedResource(resource),
  });
  // Creating a flag touches every environment of the project.
  const createFlag = [
    access('createFlag', 'proj/default:env/production:flag/x'),
    access('createFlag', 'proj/default:env/test:flag/x'),
  ];
  const turnOnInTest = [access('updateOn', 'proj/default:env/test:flag/x')];
  const production = compilePolicy(PRODUCTION_FLAGS);

  it('a missing policy hears everything', () => {
    expect(matchesEntry(null, turnOnInTest)).toBe(true);
    expect(matchesEntry(null, [])).toBe(true);
  });

  it('an empty policy hears everything (unlike a role)', () => {
    const empty = compilePolicy([]);
    expect(matchesEntry(empty, turnOnInTest)).toBe(true);
    expect(isAllowed(empty, 'updateOn', turnOnInTest[0]!.resource)).toBe(false);
  });

  it('a production filter hears a flag created in every environment', () => {
    expect(matchesEntry(production, createFlag)).toBe(true);
  });

  it('a production filter does not hear the flag turned on in test', () => {
    expect(matchesEntry(production, turnOnInTest)).toBe(false);
  });

  it('an entry with no accesses matches only a missing or empty policy', () => {
    expect(matchesEntry(production, [])).toBe(false);
  });

  it('a policy with only denies hears nothing', () => {
    expect(matchesEntry(compilePolicy([deny(['*'])]), createFlag)).toBe(false);
  });
});

describe('compileSpecifier', () => {
  it.each([
    ['proj/*:env/production:flag/*', 'proj/a:env/production:flag/x', true],
    ['proj/*:env/production:flag/*', 'proj/a:env/test:flag/x', false],
    ['proj/*;mobile', 'proj/a;mobile', true],
    ['proj/*;mobile', 'proj/a', false],
    ['*', 'acct', true],
    ['acct', 'acct', true],
    ['acct', 'proj/a', false],
  ])('%s against %s → %s', (spec, resource, expected) => {
    expect(compileSpecifier(spec)(parseTaggedResource(resource))).toBe(expected);
  });

  it('throws on a malformed specifier', () => {
    expect(() => compileSpecifier('flags/*')).toThrow(
      /unknown resource type "flags" \(did you mean "flag"\?\)/,
    );
  });
});

describe('compilePolicy', () => {
  it('rejects a malformed specifier that skipped validation', () => {
    expect(() => compilePolicy([allow(['env/x'])])).toThrow(/"env" must be nested as proj\/KEY:env\/KEY/);
  });

  it('rejects a statement without a resource side', () => {
    const broken = JSON.parse('[{"effect":"allow","actions":["*"]}]') as Statement[];
    expect(() => compilePolicy(broken)).toThrow(/validate it first/);
  });
});
