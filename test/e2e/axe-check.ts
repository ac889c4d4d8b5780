import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { root } from './e2e-setup.js';

/**
 * The automated accessibility check every page's browser test runs: axe-core (the engine behind
 * Lighthouse's accessibility audit) injected into the page as it is, in light and then dark mode.
 * Serious and critical violations fail the test, named with the elements they were found on;
 * moderate and minor ones are left to review, except where a suite asks for `everyImpact`.
 */

const axeScript = join(root, 'node_modules', 'axe-core', 'axe.min.js');

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[]; readonly failureSummary?: string }[];
}

type Impact = 'critical' | 'serious' | 'moderate' | 'minor';
const seriousAndCritical: readonly Impact[] = ['critical', 'serious'];
/** Every impact axe-core gives, for pages held to the whole rule set. */
export const everyImpact: readonly Impact[] = ['critical', 'serious', 'moderate', 'minor'];

/** The violations of the given impacts on the page as it is now, one readable line each. */
export async function seriousViolations(
  page: Page,
  impacts: readonly Impact[] = seriousAndCritical,
): Promise<string[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (loaded !== true) await page.addScriptTag({ path: axeScript });
  const violations = (await page.evaluate(
    // A string, so that the page's own code (not a transpiled copy of this file) runs it.
    `window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact !== null && (impacts as readonly string[]).includes(v.impact))
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .slice(0, 5)
          .map((n) => n.target.join(' '))
          .join('; ')}): ${v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ') ?? ''}`,
    );
}

/**
 * Fails when the page has a serious or critical violation (or one of `impacts`) in either colour
 * scheme; leaves the page in the colour scheme it found it in (light unless the context said
 * otherwise).
 */
export async function expectAccessible(
  page: Page,
  what: string,
  impacts: readonly Impact[] = seriousAndCritical,
): Promise<void> {
  const dark = await page.evaluate('matchMedia("(prefers-color-scheme: dark)").matches');
  // Buttons fade between colours (0.12 s): measured mid-fade (a busy machine can take longer than
  // any wait), they would fail on contrast. So nothing fades while axe looks.
  await page.evaluate(`{
    const style = document.createElement('style');
    style.id = 'axe-check-no-transitions';
    style.textContent = '*, *::before, *::after { transition: none !important; }';
    document.head.append(style);
  }`);
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.waitForTimeout(100);
      expect(await seriousViolations(page, impacts), `${what} in ${colorScheme} mode`).toEqual([]);
    }
  } finally {
    await page.emulateMedia({ colorScheme: dark === true ? 'dark' : 'light' });
    await page.evaluate(`document.getElementById('axe-check-no-transitions')?.remove()`);
  }
}
