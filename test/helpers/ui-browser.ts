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

export interface ClippedText {
  /** A short CSS-like path to the element, e.g. `main > ul.rows > li > span.badge`. */
  element: string;
  text: string;
  why: string;
}

/**
 * Every piece of text a person cannot read in full: an element whose content is cut by its own
 * hidden overflow (or shortened with an ellipsis), text that spills out of an ancestor that hides
 * overflow, text outside the window sideways, and text drawn over other text. Visually hidden
 * helpers (the skip link until focused, screen-reader-only text) and closed <details> are not shown,
 * so they are not checked; form fields scroll their own value and are left out.
 */
export async function clippedText(page: Page): Promise<ClippedText[]> {
  return page.evaluate<ClippedText[]>(`(() => {
    const found = [];
    const root = document.documentElement;
    const describe = (el) => {
      const parts = [];
      for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
        const cls = typeof e.className === 'string' && e.className.trim() !== '' ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
        parts.unshift(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + cls);
      }
      return parts.join(' > ');
    };
    const hides = (style) => ['hidden', 'clip'].includes(style.overflowX) || ['hidden', 'clip'].includes(style.overflowY);
    const hiddenOnPurpose = (el) => {
      for (let e = el; e && e !== document.body; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return true;
        // The skip link waits off screen until it is focused; screen-reader-only text is a 1px box.
        if (e.classList.contains('skip') && document.activeElement !== e) return true;
        if (e.classList.contains('sr-only')) return true;
        // A closed <details> draws only its summary (Chromium still hands out stale boxes for the rest).
        if (e.parentElement && e.parentElement.tagName === 'DETAILS' && !e.parentElement.open && e.tagName !== 'SUMMARY') return true;
        if (s.clipPath !== 'none' || (s.clip !== 'auto' && s.position === 'absolute')) return true;
      }
      return false;
    };
    const textRects = [];
    const reported = new Set();
    const report = (el, why) => {
      if (reported.has(el)) return;
      reported.add(el);
      found.push({ element: describe(el), text: (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 120), why });
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if ((node.nodeValue || '').trim() === '') continue;
      const el = node.parentElement;
      if (!el || ['SCRIPT', 'STYLE', 'OPTION', 'TEXTAREA', 'TITLE'].includes(el.tagName)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0.5 && r.height > 0.5);
      if (rects.length === 0 || hiddenOnPurpose(el)) continue;
      const own = getComputedStyle(el);
      if (own.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) report(el, 'shortened with an ellipsis');
      if (hides(own) && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) report(el, 'cut by its own hidden overflow (' + el.scrollWidth + 'x' + el.scrollHeight + ' in ' + el.clientWidth + 'x' + el.clientHeight + ')');
      for (const r of rects) {
        if (r.left < -1 || r.right > root.clientWidth + 1) report(el, 'outside the window sideways (' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + root.clientWidth + 'px)');
        const ownBox = el.getBoundingClientRect();
        const scrollsItself = [own.overflowX, own.overflowY].some((o) => o === 'auto' || o === 'scroll');
        if (!scrollsItself && (r.left < ownBox.left - 2 || r.right > ownBox.right + 2 || r.top < ownBox.top - 2 || r.bottom > ownBox.bottom + 2)) report(el, 'spills out of its own box (' + Math.round(ownBox.width) + 'x' + Math.round(ownBox.height) + 'px)');
        let drawn = r;
        for (let a = el; a && a !== document.body; a = a.parentElement) {
          const s = getComputedStyle(a);
          // Inside a region that scrolls on its own (a wide preview, the log) the text is reachable by
          // scrolling; only the part inside its box is drawn, so only that part can cover other text.
          if ([s.overflowX, s.overflowY].some((o) => o === 'auto' || o === 'scroll')) {
            const box = a.getBoundingClientRect();
            const left = Math.max(r.left, box.left), right = Math.min(r.right, box.right);
            const top = Math.max(r.top, box.top), bottom = Math.min(r.bottom, box.bottom);
            drawn = right > left && bottom > top ? { left, right, top, bottom } : null;
            break;
          }
          const box = a.getBoundingClientRect();
          const cutX = ['hidden', 'clip'].includes(s.overflowX) && (r.left < box.left - 1 || r.right > box.right + 1);
          const cutY = ['hidden', 'clip'].includes(s.overflowY) && (r.top < box.top - 1 || r.bottom > box.bottom + 1);
          if (cutX || cutY) {
            report(el, a === el ? 'cut at the edge of its own box' : 'spills out of ' + describe(a) + ', which hides what overflows');
            break;
          }
        }
        if (drawn !== null) textRects.push({ el, r: drawn });
      }
    }
    // Text drawn over other text: two text boxes of unrelated elements overlapping by more than a sliver.
    for (let i = 0; i < textRects.length; i++) {
      for (let j = i + 1; j < textRects.length; j++) {
        const a = textRects[i], b = textRects[j];
        if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 2 && h > 4) report(b.el, 'drawn over "' + (a.el.textContent || '').trim().slice(0, 40) + '"');
      }
    }
    return found;
  })()`);
}

export interface FocusStop {
  element: string;
  name: string;
  /** The focus indicator as drawn: outline or box-shadow, or null when there is none. */
  ring: string | null;
}

/**
 * Walks the page with the Tab key from the top until focus comes back round, recording every stop
 * and whether it draws a visible focus indicator (an outline of at least 2px, or a box-shadow).
 */
export async function focusWalk(page: Page, max = 200): Promise<FocusStop[]> {
  await page.evaluate('document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)');
  const stops: FocusStop[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate<(FocusStop & { key: string }) | null>(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      if (!el.dataset.focusWalk) el.dataset.focusWalk = String(Math.random());
      const s = getComputedStyle(el);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineWidth + ' ' + s.outlineStyle + ' ' + s.outlineColor : null;
      const shadow = s.boxShadow !== 'none' ? s.boxShadow : null;
      const name = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || el.tagName).trim().replace(/\\s+/g, ' ').slice(0, 60);
      return { key: el.dataset.focusWalk, element: el.tagName.toLowerCase() + (el.getAttribute('type') ? '[type=' + el.getAttribute('type') + ']' : ''), name, ring: outline || shadow };
    })()`);
    if (stop === null || seen.has(stop.key)) break;
    seen.add(stop.key);
    stops.push({ element: stop.element, name: stop.name, ring: stop.ring });
  }
  return stops;
}
