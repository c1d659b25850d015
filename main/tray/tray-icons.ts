/**
 * The tray icon of each state as SVG (the source of assets/icons/tray-<state>-<size>.png, rendered
 * by `npm run screens`). Each state has its own shape as well as its own colour, so the icon is
 * readable without colour: ✓ ok, ↻ syncing, ! attention, ✕ error, ‖ paused, a crossed cloud offline.
 */
import type { TrayStateName } from './tray-state.ts';

const COLOURS: Record<TrayStateName, string> = {
  ok: '#1d6b35',
  syncing: '#0b5cad',
  attention: '#a65f00',
  error: '#b3161b',
  paused: '#5b636b',
  offline: '#3d4650',
};

const GLYPHS: Record<TrayStateName, string> = {
  ok: '<path d="M9 16.5l4.5 4.5L23 11" fill="none" stroke="#fff" stroke-width="3.4" stroke-linecap="round" stroke-linejoin="round"/>',
  syncing:
    '<path d="M22 13a6.5 6.5 0 0 0-11.5-1.5M10 19a6.5 6.5 0 0 0 11.5 1.5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/><path d="M9 8v4.5h4.5M23 24v-4.5h-4.5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>',
  attention: '<path d="M16 8v10" stroke="#fff" stroke-width="3.6" stroke-linecap="round"/><circle cx="16" cy="23.5" r="2.2" fill="#fff"/>',
  error: '<path d="M11 11l10 10M21 11L11 21" stroke="#fff" stroke-width="3.6" stroke-linecap="round"/>',
  paused: '<path d="M12.5 10v12M19.5 10v12" stroke="#fff" stroke-width="3.8" stroke-linecap="round"/>',
  offline:
    '<path d="M10.5 21.5h11a4 4 0 0 0 .4-8 6 6 0 0 0-11.5 1.3 3.4 3.4 0 0 0 .1 6.7z" fill="none" stroke="#fff" stroke-width="2.4"/><path d="M8 8l16 16" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/>',
};

/** Offline is a rounded square, the rest circles: one more cue that is not colour. */
export function trayIconSvg(state: TrayStateName): string {
  const shape = state === 'offline' ? `<rect x="1" y="1" width="30" height="30" rx="7" fill="${COLOURS[state]}"/>` : `<circle cx="16" cy="16" r="15" fill="${COLOURS[state]}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">${shape}${GLYPHS[state]}</svg>\n`;
}
