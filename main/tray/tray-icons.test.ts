import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trayIconSvg } from './tray-icons.ts';
import { TRAY_ICON_SIZES, TRAY_STATES, trayIconFile } from './tray-state.ts';

const ICONS = path.resolve(import.meta.dirname, '../../assets/icons');

describe('tray icons', () => {
  it('has a PNG of every state in every size in assets/icons (npm run screens renders them)', () => {
    for (const state of TRAY_STATES) {
      for (const size of TRAY_ICON_SIZES) {
        const png = readFileSync(path.join(ICONS, trayIconFile(state, size)));
        expect(png.subarray(1, 4).toString(), `${state} ${size}`).toBe('PNG');
        // IHDR width and height.
        expect([png.readUInt32BE(16), png.readUInt32BE(20)], `${state} ${size}`).toEqual([size, size]);
      }
      expect(readFileSync(path.join(ICONS, `tray-${state}.svg`), 'utf8')).toBe(trayIconSvg(state));
    }
  });

  it('draws each state differently, not only in colour', () => {
    const glyphs = TRAY_STATES.map((s) => trayIconSvg(s).replace(/fill="#[0-9a-f]{6}"/g, ''));
    expect(new Set(glyphs).size).toBe(TRAY_STATES.length);
  });
});
