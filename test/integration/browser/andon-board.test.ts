// The Andon board of a live kaizen serve in headless Chromium (playwright-core + Debian's
// chromium): the Jidoka light turns red when chaos takes the downstream down under traffic, and
// green again after the downstream is restored; a screenshot is kept in test-artifacts/.

import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/support.js';
import { ROOT } from '../../store/support.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'board-test-token';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

let server: TestServer;
let base = '';
let browser: Browser | undefined;
let page: Page;
let traffic = true;
let trafficDone: Promise<void> = Promise.resolve();
const pageErrors: string[] = [];
const requests: string[] = [];

async function chaos(body: object): Promise<void> {
  const res = await fetch(`${base}/chaos`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

/** A steady trickle of signals, so that the breaker sees failures and, later, its probes succeed. */
async function trickle(): Promise<void> {
  while (traffic) {
    await fetch(`${base}/signal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signal_type: 'execute', payload: { latency_ms: 2 } }) });
    await new Promise((r) => setTimeout(r, 20));
  }
}

const light = (pillar: string) => page.locator(`#lamp-${pillar}`).getAttribute('data-light');

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests; .ci/run installs it`);
  }
  server = await startTestServer({ adminToken: TOKEN, env: { TPS_TIMING_WINDOW_SECS: '2', TPS_CB_TIMEOUT: '0.5' } });
  base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  trafficDone = trickle();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${base}/?interval=250`, { waitUntil: 'load' });
}, 120_000);

afterAll(async () => {
  traffic = false;
  await trafficDone;
  await browser?.close();
  await server?.close();
});

describe('the Andon board in headless Chromium', () => {
  it('shows the four pillars green, the circuit closed and the workers', async () => {
    await expect.poll(() => light('jidoka'), { timeout: 20_000 }).toBe('GREEN');
    expect(await light('kanban')).toMatch(/GREEN|YELLOW|RED/);
    expect(await page.locator('#circuit').textContent()).toBe('Closed');
    expect(await page.locator('#workers .worker').count()).toBe(4);
    expect(await page.title()).toBe('kaizen Andon board');
  });

  it('turns the Jidoka light red once chaos takes the downstream down', async () => {
    await chaos({ downstream_enabled: false });
    await expect.poll(() => light('jidoka'), { timeout: 20_000 }).toBe('RED');
    await expect.poll(() => page.locator('#circuit').textContent(), { timeout: 20_000 }).toMatch(/Open|HalfOpen/);
    expect(await page.locator('#alerts').textContent()).toMatch(/chaos: downstream-down/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'andon-board-red.png') });
  });

  it('turns it green again after the downstream is restored', async () => {
    await chaos({ downstream_enabled: true });
    await expect.poll(() => page.locator('#circuit').textContent(), { timeout: 30_000 }).toBe('Closed');
    await expect.poll(() => light('jidoka'), { timeout: 30_000 }).toBe('GREEN');
    await page.screenshot({ path: path.join(ARTIFACTS, 'andon-board-green.png') });
  });

  it('draws its charts with a size and an accessible name, and fits a wall screen', async () => {
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBe(3);
    for (const chart of await charts.all()) {
      const box = await chart.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      expect(await chart.getAttribute('aria-label')).toMatch(/latest/);
      expect(await chart.locator('polyline').getAttribute('points')).toMatch(/\d,\d/);
    }
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(1600);
  });

  it('loads only from its own server and raises no page error', () => {
    expect(pageErrors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(base))).toEqual([]);
    expect(requests.some((u) => u.startsWith(`${base}/status`))).toBe(true);
    expect(requests.some((u) => u.startsWith(`${base}/health-score`))).toBe(true);
  });
});
