/**
 * The application icon (installer, shortcuts, the Linux desktop entry, the AppImage) as SVG: the tray's
 * "syncing" arrows, white on the brand blue, in a rounded square that reads at 16 px as at 1024.
 * The tray's own per-state icons stay in assets/icons (main/tray/tray-icons.ts).
 */
export const APP_ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">' +
  '<rect x="1" y="1" width="30" height="30" rx="7" fill="#0b5cad"/>' +
  '<path d="M22.5 13a7 7 0 0 0-12.4-1.6M9.5 19a7 7 0 0 0 12.4 1.6" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/>' +
  '<path d="M8.6 7.6v4.6h4.6M23.4 24.4v-4.6h-4.6" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>' +
  '</svg>\n';

/** Linux (electron-builder's icon directory and the AppImage) wants up to 1024; Windows' .ico tops out at 256. */
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
