import type { DocumentTable } from './schema.js';

/**
 * The columns a list filters and sorts on, kept beside each document so a page of 10,000 flags
 * is cut by an index instead of by parsing every document (issue 16). They are derived from the
 * document by this one rule on every insert and update (DocumentStore), so they cannot drift;
 * migration 008 fills them for the rows that existed before.
 */
export interface ListColumns {
  /** Lower-cased display name: what `sort=name` orders by ('' when the document has none). */
  readonly name: string;
  /** 1 for an archived document (flags), else 0. */
  readonly archived: number;
  /** Lower-cased tags between spaces (` beta ops `): tags hold no spaces, so `% beta %` is exact. */
  readonly tags: string;
  /** Lower-cased text `filter=query:` searches: what a person sees, never ids. */
  readonly search: string;
}

type Loose = Record<string, unknown>;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function personName(doc: Loose): string {
  return `${text(doc.firstName)} ${text(doc.lastName)}`.trim();
}

/** A member's display name is first + last, or the email without one (LaunchDarkly's `displayName`). */
function displayName(table: DocumentTable, doc: Loose): string {
  if (table === 'members') return personName(doc) || text(doc.email);
  return text(doc.name);
}

/** What `query` matches per table, as LaunchDarkly documents it for each list. */
function searched(table: DocumentTable, key: string, doc: Loose): string[] {
  switch (table) {
    case 'members':
      return [text(doc.email), personName(doc)];
    case 'segments':
      return [key, text(doc.name), text(doc.description)];
    case 'access_tokens':
    case 'integrations':
      return [text(doc.name)];
    default:
      return [key, text(doc.name)];
  }
}

export function listColumns(table: DocumentTable, key: string, doc: unknown): ListColumns {
  const loose = (typeof doc === 'object' && doc !== null ? doc : {}) as Loose;
  const tags = Array.isArray(loose.tags) ? loose.tags.filter((t): t is string => typeof t === 'string') : [];
  const name = displayName(table, loose);
  return {
    name: name.toLowerCase(),
    archived: loose.archived === true ? 1 : 0,
    tags: tags.length === 0 ? '' : ` ${tags.map((t) => t.toLowerCase()).join(' ')} `,
    // A newline between fields: a query cannot match across two of them by accident.
    search: searched(table, key, loose)
      .filter((s) => s !== '')
      .join('\n')
      .toLowerCase(),
  };
}
