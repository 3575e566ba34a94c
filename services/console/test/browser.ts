// What the console's browser tests share: Debian's Chromium through playwright-core, axe-core failing on serious or
// critical WCAG 2.2 AA findings, screenshots in services/console/test-output/screenshots (ignored by git), a
// sign-in at identity's operator form, and a sign-in made old enough for dangerous actions to ask again.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium as launchDebianChromium } from '../../../test/support/chromium.ts';
import { cookieName } from '../src/auth_routes.ts';
import type { ConsoleHarness } from './harness.ts';

const screenshots = join(import.meta.dirname, '..', 'test-output', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshots, { recursive: true });
  return launchDebianChromium();
}

/** Fails on serious or critical WCAG 2.2 AA findings (axe's tags for A and AA up to 2.2). */
export async function checkAccessibility(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const serious = results.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  assert.deepEqual(
    serious.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`),
    [],
    `accessibility findings on ${where}`,
  );
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/**
 * At identity's operator form (the console sent the browser there): signs in and waits to be back. axe checks the
 * form unless the page runs no JavaScript (axe is a script).
 */
export async function signInAtIdentity(
  h: ConsoleHarness,
  page: Page,
  username: string,
  password: string,
  options: { javaScript?: boolean } = {},
): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(h.identity.issuer));
  await page.getByRole('heading', { name: 'Operator sign-in' }).waitFor();
  if (options.javaScript !== false) await checkAccessibility(page, "identity's operator sign-in");
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(h.url));
}

/**
 * Makes the browser's console sign-in older than CONSOLE_REAUTH_MAX_AGE_S (its session's auth time moved back in the
 * shared store): the next dangerous action asks for a new sign-in at once, with no wait on the wall clock, and the
 * new sign-in is then fresh for the whole window (5 minutes by default), however loaded the machine.
 */
export async function ageSignIn(h: ConsoleHarness, context: BrowserContext): Promise<void> {
  const cookie = (await context.cookies(h.url)).find((candidate) => candidate.name === cookieName(false));
  await h.ageSignIn(cookie?.value ?? assert.fail('the browser holds no console session'));
}
