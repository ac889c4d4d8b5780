import { GlobKind } from './glob.js';
import type { TaggedResource } from './resource.js';
import type { ResourcePattern } from './resource-pattern.js';

/**
 * Resource patterns filed by their path: each level branches on the segment type, then on the
 * literal key, with one shared branch for every non-literal key glob. Walking a concrete
 * resource (its key's branch, each alias's branch, and the glob branch, level by level) reaches
 * every pattern that could match it — and only patterns of the same depth and type path with
 * equal literal keys. Tags and glob keys are not checked here; whoever holds the values does.
 */
export class ResourceTrie {
  readonly #root: TrieNode = newNode();

  /** Files `value` under the pattern's path; returns the terminal so the caller can remove it. */
  insert(pattern: ResourcePattern, value: number): TrieTerminal {
    let node = this.#root;
    for (const segment of pattern.segments) {
      let branch = node.types.get(segment.type);
      if (branch === undefined) {
        branch = { literal: new Map(), glob: undefined };
        node.types.set(segment.type, branch);
      }
      if (segment.key.kind === GlobKind.Exact) {
        let child = branch.literal.get(segment.key.head);
        if (child === undefined) {
          child = newNode();
          branch.literal.set(segment.key.head, child);
        }
        node = child;
      } else {
        branch.glob ??= newNode();
        node = branch.glob;
      }
    }
    node.values.add(value);
    return node;
  }

  /** Calls `visit` with the values of every terminal the resource's path reaches. */
  walk(resource: TaggedResource, visit: (values: ReadonlySet<number>) => void): void {
    walkFrom(this.#root, resource, 0, visit);
  }
}

/** Where a value was filed; `values.delete(value)` removes it. Empty nodes are kept for reuse. */
export interface TrieTerminal {
  readonly values: Set<number>;
}

interface TrieNode extends TrieTerminal {
  readonly types: Map<string, TypeBranch>;
}

interface TypeBranch {
  readonly literal: Map<string, TrieNode>;
  glob: TrieNode | undefined;
}

function walkFrom(
  node: TrieNode,
  resource: TaggedResource,
  depth: number,
  visit: (values: ReadonlySet<number>) => void,
): void {
  if (depth === resource.length) {
    if (node.values.size !== 0) visit(node.values);
    return;
  }
  const segment = resource[depth]!;
  const branch = node.types.get(segment.type);
  if (branch === undefined) return;
  const next = depth + 1;
  if (branch.glob !== undefined) walkFrom(branch.glob, resource, next, visit);
  const byKey = branch.literal.get(segment.key);
  if (byKey !== undefined) walkFrom(byKey, resource, next, visit);
  const aliases = segment.aliases;
  if (aliases === undefined) return;
  for (let i = 0; i < aliases.length; i++) {
    const alias = aliases[i]!;
    // An alias equal to the key would reach the same node twice.
    if (alias === segment.key) continue;
    const byAlias = branch.literal.get(alias);
    if (byAlias !== undefined) walkFrom(byAlias, resource, next, visit);
  }
}

const newNode = (): TrieNode => ({ types: new Map(), values: new Set() });
