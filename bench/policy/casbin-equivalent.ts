import { type Enforcer, newEnforcer, newModelFromString } from 'casbin';
import type { Statement } from '../../src/policy/policy-statement.js';
import type { TaggedResource } from '../../src/policy/resource.js';
import { parseSpecifier } from '../../src/policy/resource-specifier.js';

/**
 * The same policies for casbin. A resource becomes one string with its tags
 * (`proj/a;mobile:env/production:flag/x`); a specifier becomes a regular expression over that
 * string; each statement becomes one casbin policy line `p, objRegex, actPattern, eft`, with
 * deny-overrides as the effect. The bench checks that both engines agree on every request
 * before timing anything.
 */

const effect = 'some(where (p.eft == allow)) && !some(where (p.eft == deny))';

/** keyMatch on the action: enough for `*` and literal names, the simple policy's needs. */
const KEY_MATCH_MODEL = `
[request_definition]
r = obj, act
[policy_definition]
p = obj, act, eft
[policy_effect]
e = ${effect}
[matchers]
m = regexMatch(r.obj, p.obj) && keyMatch(r.act, p.act)
`;

/** regexMatch on both sides: needed for action lists, globs and notActions. */
const regexModel = (fn: string) => `
[request_definition]
r = obj, act
[policy_definition]
p = obj, act, eft
[policy_effect]
e = ${effect}
[matchers]
m = ${fn}(r.obj, p.obj) && ${fn}(r.act, p.act)
`;

export type CasbinFlavour = 'keyMatch' | 'regexMatch' | 'regexMatch, cached';

export async function casbinEnforcer(
  statements: readonly Statement[],
  flavour: CasbinFlavour,
): Promise<Enforcer> {
  const model =
    flavour === 'keyMatch'
      ? KEY_MATCH_MODEL
      : regexModel(flavour === 'regexMatch' ? 'regexMatch' : 'regexMatchCached');
  const enforcer = await newEnforcer(newModelFromString(model));
  if (flavour === 'regexMatch, cached') {
    // Stock regexMatch builds a RegExp on every call; this variant shows casbin without that cost.
    const cache = new Map<string, RegExp>();
    await enforcer.addFunction('regexMatchCached', (text: string, pattern: string) => {
      let regex = cache.get(pattern);
      if (regex === undefined) {
        regex = new RegExp(pattern);
        cache.set(pattern, regex);
      }
      return regex.test(text);
    });
  }
  for (const statement of statements) {
    const action = flavour === 'keyMatch' ? keyMatchAction(statement) : actionRegex(statement);
    await enforcer.addPolicy(resourceRegex(statement), action, statement.effect);
  }
  return enforcer;
}

/** The casbin request object for a resource: segments with their tags. */
export const casbinObject = (resource: TaggedResource): string =>
  resource.length === 1 && resource[0]!.type === 'acct'
    ? 'acct'
    : resource.map((s) => `${s.type}/${s.key}${s.tags.length === 0 ? '' : `;${s.tags.join(',')}`}`).join(':');

function resourceRegex(statement: Statement): string {
  const listed = statement.resources ?? statement.notResources ?? [];
  const alternatives = listed.map(specifierRegex).join('|');
  return statement.resources !== undefined ? `^(?:${alternatives})$` : `^(?!(?:${alternatives})$)`;
}

function actionRegex(statement: Statement): string {
  const listed = statement.actions ?? statement.notActions ?? [];
  const alternatives = listed.map((glob) => globRegex(glob, '.*')).join('|');
  return statement.actions !== undefined ? `^(?:${alternatives})$` : `^(?!(?:${alternatives})$)`;
}

function keyMatchAction(statement: Statement): string {
  const [only, ...rest] = statement.actions ?? [];
  if (only === undefined || rest.length > 0 || (only.includes('*') && !only.endsWith('*'))) {
    throw new Error('the keyMatch model only takes one literal or trailing-* action per statement');
  }
  return only;
}

function specifierRegex(text: string): string {
  const parsed = parseSpecifier(text);
  if (!parsed.ok) throw new Error(parsed.message);
  if (parsed.specifier.kind === 'everything') return '.*';
  return parsed.specifier.segments
    .map((segment) => {
      if (segment.type === 'acct') return 'acct';
      const key = globRegex(segment.keyGlob, '[^:;]*');
      // Every tag glob must match one whole tag somewhere in the segment's tag list.
      const tags =
        segment.tagGlobs.length === 0
          ? '(?:;[^:]*)?'
          : `;${segment.tagGlobs.map((tag) => `(?=(?:[^:]*,)?${globRegex(tag, '[^,:;]*')}(?:,|:|$))`).join('')}[^:]*`;
      return `${escapeRegExp(segment.type)}/${key}${tags}`;
    })
    .join(':');
}

const globRegex = (glob: string, star: string): string => glob.split('*').map(escapeRegExp).join(star);

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
