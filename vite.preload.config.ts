import { defineConfig } from 'vite';

// The preload runs sandboxed, and a sandboxed preload cannot be an ES module: bundle preload/ (with
// the contract and zod) into ONE CommonJS file, dist/preload/index.cjs; electron stays a require().
export default defineConfig({
  build: {
    outDir: process.env.TYA_PRELOAD_OUT ?? 'dist/preload',
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    target: 'node22',
    lib: { entry: 'preload/index.ts', formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'], output: { codeSplitting: false } },
  },
});
