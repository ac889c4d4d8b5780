import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { root } from './e2e-setup.js';

/**
 * The automated accessibility check every page's browser test runs: axe-core (the engine behind
 * Lighthouse's accessibility audit) injected into the page as it is, in light and then dark mode.
 * Serious and critical violations fail the test, named with the elements they were found on;
 * moderate and minor ones are left to review.
 */

const axeScript = join(root, 'node_modules', 'axe-core', 'axe.min.js');

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[]; readonly failureSummary?: string }[];
}

/** The serious and critical violations on the page as it is now, one readable line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (loaded !== true) await page.addScriptTag({ path: axeScript });
  const violations = (await page.evaluate(
    // A string, so that the page's own code (not a transpiled copy of this file) runs it.
    `window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact !== null)
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .slice(0, 5)
          .map((n) => n.target.join(' '))
          .join('; ')}): ${v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ') ?? ''}`,
    );
}

/**
 * Fails when the page has a serious or critical violation in either colour scheme; leaves the
 * page in the colour scheme it found it in (light unless the context said otherwise).
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const dark = await page.evaluate('matchMedia("(prefers-color-scheme: dark)").matches');
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      // Buttons fade between colours (0.12 s): measured mid-fade, they would fail on contrast.
      await page.waitForTimeout(400);
      expect.soft(await seriousViolations(page), `${what} in ${colorScheme} mode`).toEqual([]);
    }
  } finally {
    await page.emulateMedia({ colorScheme: dark === true ? 'dark' : 'light' });
  }
}
