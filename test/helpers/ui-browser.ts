/**
 * Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core for the dashboard's
 * end-to-end tests: screenshots into the ignored out/ui-screens/, an axe-core scan injected into the
 * page, the "no sideways scroll" check, and a keyboard-only walker.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './agent-process.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'out', 'ui-screens');

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's WCAG 2.x A/AA rules on the page as it is; only serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through DevTools rather than as a <script>: the dashboard's CSP (rightly) refuses inline scripts.
  await page.evaluate(axeSource);
  // Runs in the page (this file is type-checked without the DOM library, so the page code is text).
  const result = await page.evaluate<AxeViolation[]>(`(async () => {
    const run = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  })()`);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Whether anything makes the page wider than the window (it would scroll sideways). */
export async function sidewaysOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(`(() => {
    const root = document.documentElement;
    const culprits = [];
    for (const element of Array.from(document.querySelectorAll('body *'))) {
      const rect = element.getBoundingClientRect();
      // Inside a region that scrolls on its own (a wide preview table) is allowed.
      if (rect.right > root.clientWidth + 1 && element.closest('.table-scroll, .log') === null) {
        culprits.push(element.tagName.toLowerCase() + '.' + element.className + ' (' + Math.round(rect.right) + 'px)');
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits: culprits.slice(0, 5) };
  })()`);
}

/**
 * Presses Tab until the focused element matches `accessibleName` (a control's visible text or
 * label), then returns; fails after `max` presses. Proves the action is reachable by keyboard alone.
 */
export async function tabTo(page: Page, accessibleName: string | RegExp, max = 150): Promise<void> {
  const matches = (text: string) => (typeof accessibleName === 'string' ? text.trim() === accessibleName : accessibleName.test(text));
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>(`(() => {
      const el = document.activeElement;
      if (el === null) return '';
      const label = el.getAttribute('aria-label') ?? el.closest('label')?.textContent ?? '';
      return (el.textContent ?? '') + '|' + label + '|' + (el.name ?? '');
    })()`);
    if (focused.split('|').some(matches)) return;
  }
  throw new Error(`Could not reach "${String(accessibleName)}" with the Tab key in ${max} presses.`);
}
