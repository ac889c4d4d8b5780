#!/usr/bin/env node
/**
 * `npm run lint:architecture`: the import rules of .dependency-cruiser.cjs (no cycles, pure layers
 * import no I/O, src/http imports no feature), then the two rules dependency-cruiser cannot see
 * because they are about code, not imports:
 *   - database differences are decided in src/db/ and in the delivery queue stores, not by
 *     `skipLocked` / `dialect ===` / `capabilities.dialect` checks across the code (issue 17);
 *   - no file in src/ is over 400 lines (tests excepted): past that a file holds two things.
 * Prints every violation of both and exits 1 when there is any.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a dialect check belongs. Add a folder here, with its reason, when a new one earns it. */
const dialectChecksAllowedIn = [
  'src/db/', // Kysely per dialect, capability flags
  'src/features/delivery/queue/', // the delivery queue store of each dialect, behind one interface
];

/** What counts as a dialect check. */
const dialectChecks = [
  { pattern: /\bskipLocked\b/, name: 'skipLocked' },
  { pattern: /\.dialect\s*[!=]==?/, name: '.dialect ===' },
  // Which engine or how it locks; a behaviour the database decides (e.g. `groupCommit`) may be read.
  { pattern: /\bcapabilities\.(dialect|skipLocked|multiProcess)\b/, name: 'capabilities.<engine>' },
];

const maxLines = 400;

const root = fileURLToPath(new URL('..', import.meta.url));

const depcruise = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
    'src',
    '--config',
    '.dependency-cruiser.cjs',
  ],
  { cwd: root, stdio: 'inherit' },
);

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const violations = [];
for (const file of sourceFiles(join(root, 'src'))) {
  const path = relative(root, file).split(sep).join('/');
  if (/\.test\.tsx?$/.test(path)) continue;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
  if (count > maxLines) violations.push(`file-too-long: ${path} has ${count} lines (at most ${maxLines})`);
  if (dialectChecksAllowedIn.some((allowed) => path.startsWith(allowed))) continue;
  lines.forEach((line, index) => {
    // A comment may name a capability; code that branches on one is what the rule is about.
    if (/^\s*(\/\/|\/\*|\*)/.test(line)) return;
    const found = dialectChecks.filter((check) => check.pattern.test(line)).map((check) => check.name);
    if (found.length > 0) {
      violations.push(`dialect-check-outside-db: ${path}:${index + 1} uses ${found.join(', ')}`);
    }
  });
}

for (const violation of violations) console.error(`  error ${violation}`);
if (violations.length > 0) {
  console.error(`\nx ${violations.length} architecture violations (scripts/check-architecture.mjs)`);
} else {
  console.log(
    `✔ no dialect checks outside ${dialectChecksAllowedIn.join(', ')}; no file in src/ over ${maxLines} lines`,
  );
}
if (depcruise.status !== 0 || violations.length > 0) process.exit(1);
