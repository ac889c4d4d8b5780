import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project directory, whether running from `src/` (tsx) or the build in `dist/src/`. */
export function projectRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url)); // …/src/shared or …/dist/src/shared
  const src = resolve(here, '..');
  return dirname(src).endsWith(`${join('/', 'dist')}`) ? resolve(src, '../..') : resolve(src, '..');
}
