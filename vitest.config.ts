import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (it has no "exports" map); Vite would pick the
    // "module" build for our own files, and Pothos and Yoga would then see a second graphql.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: 'test/setup/global-setup.ts',
    // One database for the whole run: files take turns, and each resets it before use.
    fileParallelism: false,
    // Real Neo4j work (imports of whole ATT&CK bundles, a server restart) takes seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
