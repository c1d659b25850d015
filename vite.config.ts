import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dashboard: built into dist/renderer, served by Electron (file://) or by the agent to a browser.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
});
