import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dashboard: built into dist/renderer, served by Electron (file://) or by the agent to a browser.
// `npm run dev` serves it with Vite and proxies /api and /ui to a running agent: set TYA_AGENT_URL
// to its control URL (control.json) and open the page through a link from `tya-agent open-ui --print`
// with the host and port changed to Vite's (the agent accepts loopback names on any port).
const agent = process.env.TYA_AGENT_URL ?? 'http://127.0.0.1:7766';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: agent, changeOrigin: false },
      '/ui': { target: agent, changeOrigin: false },
    },
  },
});
