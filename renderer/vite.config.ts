// Builds the window (React) into dist/renderer; the gateway serves it at http://127.0.0.1:PORT/ and Electron loads it.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${here}../dist/renderer`,
    emptyOutDir: true,
    // Every asset is a separate file: the page's CSP forbids data: scripts and inline styles.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: { host: '127.0.0.1', strictPort: false },
});
