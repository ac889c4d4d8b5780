/**
 * Before → after of two JSON documents as the list of leaf values that changed, e.g.
 * `/environments/production/on: false → true`. Bookkeeping fields that change on every write
 * (`_links`, `lastModified`, `version`, `sel`) are left out so the real change stands out.
 */

export interface DiffRow {
  readonly path: string;
  readonly before?: string;
  readonly after?: string;
}

const noise = new Set([
  '_links',
  'lastModified',
  'lastModifiedDate',
  '_version',
  '_versionId',
  'version',
  'salt',
  'sel',
]);

function flatten(value: unknown, path: string, into: Map<string, string>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(path, '[]');
    value.forEach((item, index) => {
      flatten(item, `${path}/${index}`, into);
    });
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([key]) => !noise.has(key));
    if (entries.length === 0) into.set(path, '{}');
    for (const [key, item] of entries)
      flatten(item, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, into);
    return;
  }
  into.set(path === '' ? '/' : path, JSON.stringify(value) ?? 'undefined');
}

export function diffJson(before: unknown, after: unknown): DiffRow[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  if (before !== undefined) flatten(before, '', a);
  if (after !== undefined) flatten(after, '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  const rows: DiffRow[] = [];
  for (const path of paths) {
    const was = a.get(path);
    const is = b.get(path);
    if (was === is) continue;
    rows.push({
      path,
      ...(was === undefined ? {} : { before: was }),
      ...(is === undefined ? {} : { after: is }),
    });
  }
  return rows;
}

export function JsonDiff({ before, after }: { readonly before: unknown; readonly after: unknown }) {
  const rows = diffJson(before, after);
  if (rows.length === 0) return <p className="muted">No field changed.</p>;
  return (
    <div className="table-scroll">
      <table className="diff">
        <caption className="visually-hidden">Changed fields, before and after</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            {/* The arrows' column, hidden from screen readers as its cells are: no header to name. */}
            <td />
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.path}>
              <th scope="row">
                <code>{row.path}</code>
              </th>
              <td className="diff-before">
                {row.before === undefined ? <em>absent</em> : <code>{row.before}</code>}
              </td>
              <td className="diff-arrow" aria-hidden="true">
                →
              </td>
              <td className="diff-after">
                {row.after === undefined ? <em>absent</em> : <code>{row.after}</code>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
