const units: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
  ['second', 1000],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "5 min. ago" / "in 3 sec." for an epoch-millisecond date. */
export function formatRelative(at: number, now = Date.now()): string {
  const delta = at - now;
  if (Math.abs(delta) < 5_000) return delta <= 0 ? 'just now' : 'in a moment';
  for (const [unit, size] of units) {
    if (Math.abs(delta) >= size || unit === 'second') return relative.format(Math.round(delta / size), unit);
  }
  return relative.format(0, 'second');
}

export const formatDate = (at: number): string => absolute.format(new Date(at));

/** A date shown relative to now, with the exact time on hover and for assistive technology. */
export function RelativeTime({ at }: { readonly at: number }) {
  const exact = formatDate(at);
  return (
    <time dateTime={new Date(at).toISOString()} title={exact}>
      {formatRelative(at)}
    </time>
  );
}
