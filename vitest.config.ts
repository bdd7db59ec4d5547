import { configDefaults, defineConfig } from 'vitest/config';

/** Files that need no database: pure stages, config, caches. `npm run test:unit` runs only these. */
const UNIT = 'test/unit/**/*.test.ts';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (it has no "exports" map); Vite would pick the
    // "module" build for our own files, and Pothos and Yoga would then see a second graphql.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    // `npm test` runs both projects: the unit files first (a fast failure), then the files that need Neo4j.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [UNIT],
          // No global setup here, so no Neo4j is picked or started; the files share nothing and run side by side.
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, UNIT],
          globalSetup: 'test/setup/global-setup.ts',
          // One database for the whole run: files take turns, and each resets it before use.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          // Real Neo4j work (imports of whole ATT&CK bundles, a server restart) takes seconds, not milliseconds.
          // A loaded CI machine (2 cores) has taken over 120 s to import two releases in a hook.
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
