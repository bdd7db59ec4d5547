import { defineConfig } from 'vite';

/**
 * The explorer's build: `npm run build:web` writes web/dist, which the API serves at `/`
 * (src/plugins/use-explorer.ts). Preact's JSX runtime without a plugin: Vite's own transform does it.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The API serves /assets/<name>-<hash>.js with a year-long cache; index.html is never cached.
    assetsDir: 'assets',
    reportCompressedSize: true,
  },
});
