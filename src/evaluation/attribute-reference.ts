/**
 * LaunchDarkly attribute references: `/a/b` walks into nested objects, `~1` is `/` and `~0` is `~`
 * inside a component; a string without a leading `/` is one plain attribute name. Flag data written
 * before context kinds (a clause, rollout or segment rule with no context kind) names attributes
 * literally, so `/a` there is the attribute called "/a".
 */
export interface AttributeReference {
  readonly valid: boolean;
  readonly components: readonly string[];
}

const invalid: AttributeReference = { valid: false, components: [] };

// The official SDKs reject `//`, a trailing `~`, and in a `/` path a `~` not followed by `0` or `1`.
// The character class copies theirs exactly (it also lets `~|` and `~^` through) so that the same
// references are accepted.
const invalidReference = /\/\/|(^\/.*~[^0|^1])|~$/;

function unescapeComponent(component: string): string {
  // The SDKs skip unescaping when the component *starts* with `~` (an `indexOf` used as a boolean);
  // kept so that such references resolve to the same attribute.
  if (component.indexOf('~') === 0) return component;
  return component.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function attributeReference(text: string, literal = false): AttributeReference {
  if (literal) return text === '' ? invalid : { valid: true, components: [text] };
  if (text === '' || text === '/' || invalidReference.test(text)) return invalid;
  const components = text.startsWith('/') ? text.slice(1).split('/').map(unescapeComponent) : [text];
  // `_meta` holds private-attribute lists, never a value a rule may read.
  if (components[0] === '_meta') return invalid;
  return { valid: true, components };
}

/** A reference that reads the context's kinds rather than an attribute. */
export function isKindReference(ref: AttributeReference): boolean {
  return ref.components.length === 1 && ref.components[0] === 'kind';
}

/** Walks the reference into plain objects; arrays are values, never indexed. */
export function readReference(target: Readonly<Record<string, unknown>>, ref: AttributeReference): unknown {
  if (!ref.valid) return undefined;
  // Nearly every rule names a top-level attribute: skip the walk.
  if (ref.components.length === 1) {
    const name = ref.components[0] as string;
    return Object.hasOwn(target, name) ? target[name] : undefined;
  }
  let current: unknown = target;
  for (const component of ref.components) {
    if (
      current === null ||
      typeof current !== 'object' ||
      Array.isArray(current) ||
      !Object.hasOwn(current, component)
    ) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[component];
  }
  return current;
}
