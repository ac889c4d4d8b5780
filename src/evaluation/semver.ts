/**
 * Semantic versions as the official SDKs compare them (node-semver's strict grammar): a missing
 * minor or patch counts as 0 ("2" is 2.0.0), a leading "v" is refused, build metadata is ignored.
 */
export interface SemVer {
  readonly main: readonly [number, number, number];
  readonly prerelease: readonly (string | number)[];
}

const numeric = '0|[1-9]\\d*';
const identifier = `(?:\\d*[a-zA-Z-][a-zA-Z0-9-]*|${numeric})`;
const full = new RegExp(
  `^v?(${numeric})\\.(${numeric})\\.(${numeric})(?:-(${identifier}(?:\\.${identifier})*))?(?:\\+([a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*))?$`,
);
const leadingComponents = /^\d+(\.\d+)?(\.\d+)?/;
const maxLength = 256;

function strict(input: string): SemVer | null {
  if (input.length > maxLength) return null;
  const m = full.exec(input.trim());
  if (m === null) return null;
  const main = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  if (main.some((n) => n > Number.MAX_SAFE_INTEGER)) return null;
  const prerelease = (m[4] ?? '')
    .split('.')
    .filter((id) => id !== '')
    .map((id) => (/^[0-9]+$/.test(id) && Number(id) < Number.MAX_SAFE_INTEGER ? Number(id) : id));
  return { main, prerelease };
}

export function parseSemVer(input: unknown): SemVer | null {
  if (typeof input !== 'string' || input.startsWith('v')) return null;
  const parsed = strict(input);
  if (parsed !== null) return parsed;
  // "1" and "1.2" (optionally followed by a prerelease or build) are padded with ".0".
  const m = leadingComponents.exec(input);
  if (m === null) return null;
  const padding = (m[1] === undefined ? '.0' : '') + (m[2] === undefined ? '.0' : '');
  return strict(m[0] + padding + input.slice(m[0].length));
}

function compareIdentifiers(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  for (let i = 0; i < 3; i += 1) {
    const x = a.main[i] ?? 0;
    const y = b.main[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  // A release sorts after its prereleases.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length === 0 ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; ; i += 1) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined && y === undefined) return 0;
    if (y === undefined) return 1;
    if (x === undefined) return -1;
    const c = compareIdentifiers(x, y);
    if (c !== 0) return c;
  }
}
