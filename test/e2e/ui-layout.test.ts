/**
 * Every dashboard screen with seeded data (no agent: the canned window API of test/helpers/ui-seed.ts),
 * in English and German, at 1280x800 and at 200 % zoom: no text clipped, nothing scrolls sideways,
 * every control the Tab key reaches draws a focus ring. Screenshots of each go to the ignored
 * out/ui-screens/seeded/ on every run. The first test proves the checks can fail.
 *
 * 200 % zoom is emulated as a 640x400 CSS-pixel viewport (with deviceScaleFactor 2 so the picture
 * has the window's 1280x800 pixels): that is exactly what browser zoom does to a 1280x800 window
 * (the layout viewport halves, media queries see 640px). deviceScaleFactor alone only sharpens the
 * pixels and leaves the layout at 1280, and CSS `zoom` on the root leaves media queries and
 * viewport units at 1280, so neither would show what a person zooming in sees.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../helpers/ui-agent.ts';
import { chromiumAvailable, clippedText, focusWalk, launchBrowser, SCREENSHOT_DIR, sidewaysOverflow } from '../helpers/ui-browser.ts';
import { openSeededScreen, serveRenderer } from '../helpers/ui-seed.ts';

const available = chromiumAvailable();
if (!available) process.stdout.write('ui-layout skipped: /usr/bin/chromium is not installed (apt-get install chromium).\n');

const SIZES = [
  { name: '1280x800', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  { name: '200pct', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
] as const;

let browser: Browser;
let server: { url: string; close(): void };

describe.skipIf(!available)('the dashboard layout with seeded data', () => {
  beforeAll(async () => {
    ensureRendererBuilt();
    browser = await launchBrowser();
    server = await serveRenderer();
  }, 60_000);

  afterAll(async () => {
    server?.close();
    await browser?.close();
  });

  it('the checks find a deliberately clipped, ellipsised, off-screen and overlapping text, and a missing focus ring', async () => {
    const page = await browser.newPage({ viewport: { width: 400, height: 300 } });
    await page.setContent(`<body style="margin:0;font:16px sans-serif">
      <div id="cut" style="width:60px;overflow:hidden;white-space:nowrap">A name far too long for its box</div>
      <div style="width:80px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">Ellipsised bank statement name</div>
      <div style="height:20px;overflow:hidden"><p style="margin:0">First line<br> second line hidden below</p></div>
      <div style="position:relative;left:350px;white-space:nowrap">Off to the right of the window</div>
      <div style="position:relative;height:24px"><span style="position:absolute;left:0">Overlapping one</span><span style="position:absolute;left:10px">Overlapping two</span></div>
      <p>Fine text that wraps as it should in a wide enough box.</p>
      <button style="outline:none">No ring</button><button style="outline-offset:2px" class="ring">A 3px ring</button><style>.ring:focus-visible { outline: 3px solid #0b5cad; }</style>
      <div style="height:18px;width:50px">Spills out of a short box downwards</div>
    </body>`);
    const clipped = await clippedText(page);
    const texts = clipped.map((c) => c.text);
    expect(texts).toEqual(expect.arrayContaining([
      'A name far too long for its box',
      'Ellipsised bank statement name',
      'First line second line hidden below',
      'Off to the right of the window',
      'Overlapping two',
      'Spills out of a short box downwards',
    ]));
    for (const fine of ['Fine text', 'No ring', 'A 3px ring']) expect(texts.join('|')).not.toContain(fine);
    expect(clipped.find((c) => c.text.startsWith('Ellipsised'))?.why).toMatch(/ellipsis/);
    const stops = await focusWalk(page);
    expect(stops.map((s) => [s.name, s.ring !== null])).toEqual([['No ring', false], ['A 3px ring', true]]);
    await page.close();
  });

  it('draws the README screens to the same pixels twice (frozen clock, seeded data)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Vienna' });
    try {
      for (const screen of ['overview', 'sources', 'completeness', 'shifts']) {
        const shots: Buffer[] = [];
        for (let run = 0; run < 2; run++) {
          const page = await context.newPage();
          await openSeededScreen(page, server.url, screen, 'en');
          shots.push(await page.screenshot({ fullPage: true }));
          await page.close();
        }
        expect(shots[0]!.equals(shots[1]!), `${screen} differs between two runs`).toBe(true);
      }
    } finally {
      await context.close();
    }
  }, 60_000);

  it("shows the log's newest line on Diagnostics, not the oldest of the tail", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await openSeededScreen(page, server.url, 'diagnostics', 'en');
      const box = page.getByTestId('log-tail');
      await box.waitFor();
      // Page code as text: this file is type-checked without the DOM library.
      const scroll = await page.evaluate<{ top: number; height: number; client: number }>(
        `(() => { const el = document.querySelector('[data-testid="log-tail"]'); return { top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight }; })()`,
      );
      expect(scroll.height, 'the seeded tail overflows the box').toBeGreaterThan(scroll.client);
      expect(scroll.top + scroll.client).toBeGreaterThanOrEqual(scroll.height - 2);
      expect(await box.textContent()).toMatch(/Read 3 changed rows from public\.sales_receipts\.$/);
    } finally {
      await page.close();
    }
  });

  it('offers Acknowledge on an event alert only; a condition says it clears by itself', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await openSeededScreen(page, server.url, 'overview', 'en');
      const event = page.locator('#ov-alerts + ul li', { hasText: 'wrong.xml' });
      const condition = page.locator('#ov-alerts + ul li', { hasText: 'clock' });
      expect(await event.getByRole('button', { name: 'Acknowledge' }).count()).toBe(1);
      expect(await condition.getByRole('button').count()).toBe(0);
      expect(await condition.textContent()).toContain('Clears by itself once the cause is gone.');
    } finally {
      await page.close();
    }
  });

  for (const size of SIZES) {
    for (const locale of ['en', 'de'] as const) {
      it(`every screen in ${locale === 'en' ? 'English' : 'German'} at ${size.name}: no clipped text, no sideways scroll, a focus ring on every control`, async () => {
        const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.deviceScaleFactor, locale: locale === 'en' ? 'en-GB' : 'de-AT', timezoneId: 'Europe/Vienna' });
        const problems: string[] = [];
        try {
          // The screens are the navigation's links, so a new screen is checked without editing this test.
          const first = await context.newPage();
          await openSeededScreen(first, server.url, 'overview', locale);
          const screens = await first.evaluate<string[]>('Array.from(document.querySelectorAll("nav a")).map((a) => a.getAttribute("href").replace("#/", ""))');
          await first.close();
          expect(screens.length).toBeGreaterThanOrEqual(10);
          for (const screen of screens) {
            const page = await context.newPage();
            await openSeededScreen(page, server.url, screen, locale);
            await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'seeded', `${screen}-${locale}-${size.name}.png`), fullPage: true });
            for (const c of await clippedText(page)) problems.push(`${screen}: "${c.text}" at ${c.element}: ${c.why}`);
            const wide = await sidewaysOverflow(page);
            if (wide.scrollWidth > wide.clientWidth || wide.culprits.length > 0) problems.push(`${screen} scrolls sideways: ${JSON.stringify(wide)}`);
            // The technical detail behind every "Details" must fit too once it is opened.
            await page.evaluate('document.querySelectorAll("details").forEach((d) => { d.open = true; })');
            for (const c of await clippedText(page)) problems.push(`${screen} (details open): "${c.text}" at ${c.element}: ${c.why}`);
            await page.evaluate('document.querySelectorAll("details").forEach((d) => { d.open = false; })');
            for (const stop of await focusWalk(page)) if (stop.ring === null) problems.push(`${screen}: ${stop.element} "${stop.name}" shows no focus ring`);
            await page.close();
          }
        } finally {
          await context.close();
        }
        expect(problems).toEqual([]);
      }, 120_000);
    }
  }
});
