// The HTML review of the fixture week opened in headless Chromium (playwright-core + Debian's
// chromium): every section and chart is visible, the <script> component is text and runs nothing,
// and a screenshot is kept in test-artifacts/ for a person to look at.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaizen } from '../../cli/run-cli.js';
import { FIXTURE_PATH, ROOT } from '../../store/support.js';

const CHROMIUM = '/usr/bin/chromium';
const NOW = Date.parse('2026-11-25T09:00:00.000Z');
const SECTIONS = ['summary', 'slos', 'incidents', 'trends', 'flow', 'recommendations', 'appendix'] as const;
const SCREENSHOT = path.join(ROOT, 'test-artifacts', 'review-2026-W47.png');

let dataDir = '';
let browser: Browser | undefined;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests; .ci/run installs it`);
  }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-browser-'));
  const imported = await kaizen(dataDir, ['import', FIXTURE_PATH]);
  expect(imported.code, imported.stderr).toBe(0);
  const file = path.join(dataDir, 'review-2026-W47.html');
  const review = await kaizen(dataDir, ['review', '--week', '2026-W47', '--format', 'html', '--out', file], { now: NOW });
  expect(review.code, review.stderr).toBe(0);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the HTML review in headless Chromium', () => {
  it('has the page title of the week', async () => {
    expect(await page.title()).toBe('Kaizen weekly review — 2026-W47');
  });

  it.each(SECTIONS)('shows the section #%s with its heading', async (id) => {
    const section = page.locator(`section#${id}`);
    await expect.poll(() => section.isVisible()).toBe(true);
    expect(await section.locator('h2').isVisible()).toBe(true);
    const box = await section.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(20);
  });

  it('draws at least four charts, each visible with a non-zero size and an accessible name', async () => {
    const charts = page.locator('svg.chart');
    const count = await charts.count();
    expect(count).toBeGreaterThanOrEqual(4);
    for (let i = 0; i < count; i++) {
      const chart = charts.nth(i);
      expect(await chart.isVisible(), `chart ${i}`).toBe(true);
      const box = await chart.boundingBox();
      expect(box?.width ?? 0, `chart ${i} width`).toBeGreaterThan(0);
      expect(box?.height ?? 0, `chart ${i} height`).toBeGreaterThan(0);
      expect(await chart.getAttribute('aria-label'), `chart ${i}`).toBeTruthy();
    }
    // The sparklines and the circuit timeline of the trends section are all there.
    expect(await page.locator('#trends svg.chart').count()).toBeGreaterThanOrEqual(4);
  });

  it('fits the charts inside the page width', async () => {
    const body = await page.locator('body').boundingBox();
    expect(body).not.toBeNull();
    for (const chart of await page.locator('svg.chart').all()) {
      const box = await chart.boundingBox();
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(body!.x + body!.width + 1);
    }
  });

  it('runs no script: no script element, no alert dialog, no page error', () => {
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    return expect(page.locator('script').count()).resolves.toBe(0);
  });

  it('shows the component <script>alert(1)</script> as text', async () => {
    const shown = page.getByText('<script>alert(1)</script>');
    expect(await shown.count(), 'the component name is shown as text on the page').toBeGreaterThan(0);
    expect(await shown.first().isVisible()).toBe(true);
  });

  it('loads nothing but the page itself (self-contained)', () => {
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('saves a full-page screenshot to test-artifacts/review-2026-W47.png', async () => {
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = fs.readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });
});
