// A real headless Chromium (Debian's, never a downloaded one) for the end-to-end journey, with a record of
// what went wrong on the pages (5xx answers, uncaught page errors) and a screenshot of every page visited.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-results/screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // We run as root in CI and containers, hence --no-sandbox.
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Every problem a page showed: answers of 500 and above, and uncaught script errors. */
export interface PageTrouble {
  who: string;
  what: string;
}

export class BrowserJourney {
  readonly troubles: PageTrouble[] = [];
  private shots = 0;

  constructor(
    readonly browser: Browser,
    readonly baseUrl: string,
    readonly screenshotDir = SCREENSHOT_DIR,
  ) {
    fs.rmSync(screenshotDir, { recursive: true, force: true });
    fs.mkdirSync(screenshotDir, { recursive: true });
  }

  /** A separate browser context (its own cookies) for one person, e.g. the administrator or the vendor. */
  async actor(who: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({
      baseURL: this.baseUrl,
      acceptDownloads: true,
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    page.on('pageerror', (error) => this.troubles.push({ who, what: `page error: ${error.message}` }));
    page.on('response', (response) => {
      if (response.status() >= 500)
        this.troubles.push({
          who,
          what: `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`,
        });
    });
    return { context, page };
  }

  /** A full-page screenshot, numbered in the order of the journey. */
  async shot(page: Page, name: string): Promise<string> {
    this.shots += 1;
    const file = path.join(this.screenshotDir, `${String(this.shots).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** An emailed link (PUBLIC_URL http://localhost:3000/…) as the test server's address. */
  local(link: string): string {
    const url = new URL(link);
    return `${this.baseUrl}${url.pathname}${url.search}`;
  }
}

// Auto-waiting checks on what a person sees (playwright-core brings no `expect` of its own).
const seen = (locator: Locator): Promise<string | null> =>
  locator.innerText({ timeout: 1_000 }).then(
    (t) => t.replace(/\s+/g, ' ').trim(),
    () => null,
  );
const POLL = { timeout: 15_000, interval: 100 };

/** The element (exactly one) reads `text`, once its whitespace is collapsed. */
export async function expectText(locator: Locator, text: string): Promise<void> {
  await expect.poll(() => seen(locator), POLL).toBe(text);
}

/** The element (exactly one) contains `text`. */
export async function expectContains(locator: Locator, text: string): Promise<void> {
  await expect.poll(() => seen(locator), POLL).toContain(text);
}

/** As many elements as `n` match. */
export async function expectCount(locator: Locator, n: number): Promise<void> {
  await expect.poll(() => locator.count(), POLL).toBe(n);
}

export async function expectChecked(locator: Locator): Promise<void> {
  await expect.poll(() => locator.isChecked({ timeout: 1_000 }).catch(() => null), POLL).toBe(true);
}
