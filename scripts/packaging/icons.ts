/**
 * `npm run icons`: renders assets/app/icon.svg (from app-icon.ts) into every size the targets need,
 * assets/app/png/<n>x<n>.png (Linux: deb, rpm, AppImage) and assets/app/icon.ico (Windows: NSIS and
 * the executable). The outputs are checked in: the release machine then needs no browser, and a
 * change of the icon shows in review. Rendered by Debian's Chromium, as `npm run screens` renders
 * the tray icons (no rasteriser is installed and none is added).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { APP_ICON_SVG, ICO_SIZES, PNG_SIZES } from './app-icon.ts';
import { writeIco } from './ico-writer.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUT = path.join(ROOT, 'assets/app');
const CHROMIUM = '/usr/bin/chromium';

async function main(): Promise<void> {
  mkdirSync(path.join(OUT, 'png'), { recursive: true });
  writeFileSync(path.join(OUT, 'icon.svg'), APP_ICON_SVG);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'], headless: true });
  try {
    const page = await browser.newPage();
    for (const size of PNG_SIZES) {
      await page.setViewportSize({ width: size, height: size });
      const src = `data:image/svg+xml;base64,${Buffer.from(APP_ICON_SVG).toString('base64')}`;
      await page.setContent(`<html><body style="margin:0;background:transparent"><img id="i" width="${size}" height="${size}" style="display:block" src="${src}"></body></html>`);
      await page.locator('#i').screenshot({ path: path.join(OUT, 'png', `${size}x${size}.png`), omitBackground: true });
    }
  } finally {
    await browser.close();
  }
  const ico = writeIco(ICO_SIZES.map((size) => ({ size, png: readFileSync(path.join(OUT, 'png', `${size}x${size}.png`)) })));
  writeFileSync(path.join(OUT, 'icon.ico'), ico);
  // electron-builder's default name for the Linux and macOS icon when none is configured.
  writeFileSync(path.join(OUT, 'icon.png'), readFileSync(path.join(OUT, 'png', '512x512.png')));
  process.stdout.write(`Wrote assets/app/icon.svg, ${PNG_SIZES.length} PNGs (16 to 1024 px), icon.png and icon.ico (${ICO_SIZES.join(', ')} px).\n`);
}

await main();
