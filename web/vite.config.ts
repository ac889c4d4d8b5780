import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The config is loaded from the repository root (`vite build --config web/vite.config.ts`), so the
// root is pinned to this folder rather than taken from the working directory.
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
