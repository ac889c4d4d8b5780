/** What the SDK bench prints: nearest-rank percentiles and a Markdown table. */

export interface Row {
  readonly name: string;
  readonly value: string;
  readonly target: string;
}

/** Nearest-rank percentile (p in 0–100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

export const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'never');
export const count = (v: number): string => Math.round(v).toLocaleString('en-US');
export const perSecond = (v: number): string => `${count(v)} req/s`;
export const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function printTable(rows: readonly Row[]): void {
  const width = (f: (r: Row) => string, title: string) =>
    Math.max(title.length, ...rows.map((r) => f(r).length));
  const w = [
    width((r) => r.name, 'benchmark'),
    width((r) => r.value, 'result'),
    width((r) => r.target, 'target'),
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ')} |`;
  console.log(line(['benchmark', 'result', 'target']));
  console.log(`| ${w.map((n) => '-'.repeat(n)).join(' | ')} |`);
  for (const r of rows) console.log(line([r.name, r.value, r.target]));
}
