/**
 * Builds the renderer into dist/ui: `node scripts/build.mjs renderer`. Relative asset URLs
 * (base './'), because Electron loads the page from a custom protocol and the headless server
 * may sit under any path. No inline scripts: the page runs under script-src 'self'.
 */
import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an extra script; Chromium (Electron, and any browser we serve) has it.
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
});
