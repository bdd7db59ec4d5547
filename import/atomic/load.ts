import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AtomicTest } from '../../src/atomic.ts';
import type { Executor, WriteTx } from '../../src/neo4j/executor.ts';
import { compareReleases } from '../../src/releases/order.ts';
import { q, recordChange } from '../cypher.ts';
import { ensureSchema } from '../graph-schema.ts';
import type { AtomicInput } from './read.ts';

/*
 * The Atomic index in the graph: one `:AtomicIndex` (the index last imported; an import replaces
 * it) that INCLUDES its `:AtomicTest`s. Tests hold ATT&CK IDs (`techniqueId`, `tactics`), not
 * links: the API joins them to a release's techniques when it reads (docs/architecture.md), so an
 * ATT&CK import needs no re-linking. Each changing import records an `:AtomicImportRun`, which the
 * data version counts (src/data/graph-state.ts).
 */

export const ATOMIC_SCHEMA: Record<string, string> = {
  atomic_test_guid:
    'CREATE CONSTRAINT atomic_test_guid IF NOT EXISTS FOR (t:AtomicTest) REQUIRE t.guid IS UNIQUE',
  atomic_test_technique:
    'CREATE INDEX atomic_test_technique IF NOT EXISTS FOR (t:AtomicTest) ON (t.techniqueId)',
  atomic_import_run_id:
    'CREATE CONSTRAINT atomic_import_run_id IF NOT EXISTS FOR (r:AtomicImportRun) REQUIRE r.id IS UNIQUE',
};

/** The stored tests, as JSON of the properties an import writes: what a new index is compared with. */
const EXISTING = q(
  'atomic.existing',
  `OPTIONAL MATCH (i:AtomicIndex) WITH i LIMIT 1
   CALL () {
     MATCH (t:AtomicTest)
     RETURN collect([t.guid, t.name, t.techniqueId, t.techniqueName, t.tactics, t.testNumber, t.executor, t.platforms]) AS tests
   }
   RETURN i.sha256 AS sha256, tests`,
);

const DELETE_TESTS = q(
  'atomic.deleteTests',
  'UNWIND $guids AS guid MATCH (t:AtomicTest {guid: guid}) DETACH DELETE t RETURN count(*) AS n',
);

const WRITE_INDEX = q(
  'atomic.writeIndex',
  `MERGE (i:AtomicIndex {key: 'atomic'})
   SET i.source = $source, i.files = $files, i.sha256 = $sha256, i.importedAt = $at, i.testCount = $testCount`,
);

const WRITE_TESTS = q(
  'atomic.writeTests',
  `MATCH (i:AtomicIndex {key: 'atomic'})
   UNWIND $tests AS row
   MERGE (t:AtomicTest {guid: row.guid})
   SET t += row
   MERGE (i)-[:INCLUDES]->(t)
   RETURN count(*) AS n`,
);

const RECORD_RUN = recordChange('atomic.recordRun', 'AtomicImportRun', 'run');

/** Which releases hold each technique ID and tactic shortname, and which release is current. */
const KNOWN = q(
  'atomic.known',
  `CALL () {
     MATCH (t:Technique) WHERE t.attackId IN $techniqueIds
     RETURN t.attackId AS id, collect(DISTINCT t.release) AS releases, 'technique' AS kind
     UNION ALL
     MATCH (t:Tactic) WHERE t.shortname IN $tactics
     RETURN t.shortname AS id, collect(DISTINCT t.release) AS releases, 'tactic' AS kind
   }
   RETURN id, releases, kind`,
);

const RELEASES = q('atomic.releases', 'MATCH (r:Release) RETURN collect(DISTINCT r.release) AS all');

const existingRow = z.object({
  sha256: z.string().nullable(),
  tests: z.array(
    z.tuple([
      z.string(),
      z.string(),
      z.string(),
      z.string(),
      z.array(z.string()),
      z.number(),
      z.string(),
      z.array(z.string()),
    ]),
  ),
});
const knownRow = z.object({
  id: z.string(),
  releases: z.array(z.string()),
  kind: z.enum(['technique', 'tactic']),
});
const releasesRow = z.object({ all: z.array(z.string()) });

export interface UnknownId {
  /** An ATT&CK technique ID or a tactic shortname. */
  id: string;
  /** The imported releases that know it (empty: none does). */
  knownIn: string[];
}

export interface AtomicLoadResult {
  changed: boolean;
  runId: string | null;
  added: number;
  updated: number;
  removed: number;
  /** The current (newest imported) ATT&CK release, or null when none is imported. */
  release: string | null;
  unknownTechniques: UnknownId[];
  unknownTactics: UnknownId[];
}

const tupleOf = (t: AtomicTest) =>
  JSON.stringify([
    t.guid,
    t.name,
    t.techniqueId,
    t.techniqueName,
    t.tactics,
    t.testNumber,
    t.executor,
    t.platforms,
  ]);

/** Writes `input` in one transaction, or nothing when the graph already holds the same tests. */
export async function loadAtomic(executor: Executor, input: AtomicInput): Promise<AtomicLoadResult> {
  await ensureSchema(executor, ATOMIC_SCHEMA);
  return executor.write('atomic.import', async (tx) => {
    const known = await knownIds(tx, input.tests);
    const [row] = await tx.run(EXISTING);
    const existing = existingRow.parse(row);
    const unchanged = { changed: false, runId: null, added: 0, updated: 0, removed: 0, ...known };
    if (existing.sha256 === input.sha256) return unchanged;
    const before = new Map(existing.tests.map((t) => [t[0], JSON.stringify(t)]));
    const incoming = new Set(input.tests.map((t) => t.guid));
    const removed = [...before.keys()].filter((guid) => !incoming.has(guid));
    const writes = input.tests.filter((t) => before.get(t.guid) !== tupleOf(t));
    const added = writes.filter((t) => !before.has(t.guid)).length;
    const at = new Date().toISOString();
    const runId = randomUUID();
    if (removed.length) await tx.run(DELETE_TESTS, { guids: removed });
    await tx.run(WRITE_INDEX, {
      source: input.source,
      files: input.files,
      sha256: input.sha256,
      at,
      testCount: input.tests.length,
    });
    if (writes.length) await tx.run(WRITE_TESTS, { tests: writes });
    await tx.run(RECORD_RUN, {
      run: {
        id: runId,
        at,
        source: input.source,
        sha256: input.sha256,
        testCount: input.tests.length,
        added,
        updated: writes.length - added,
        removed: removed.length,
      },
    });
    return {
      ...unchanged,
      changed: true,
      runId,
      added,
      updated: writes.length - added,
      removed: removed.length,
    };
  });
}

async function knownIds(tx: WriteTx, tests: readonly AtomicTest[]) {
  const techniqueIds = [...new Set(tests.map((t) => t.techniqueId))].sort();
  const tactics = [...new Set(tests.flatMap((t) => t.tactics))].sort();
  const rows = (await tx.run(KNOWN, { techniqueIds, tactics })).map((r) => knownRow.parse(r));
  const [all] = await tx.run(RELEASES);
  const releases = releasesRow.parse(all).all.sort(compareReleases);
  const release = releases.at(-1) ?? null;
  const knownIn = new Map(rows.map((r) => [`${r.kind} ${r.id}`, [...r.releases].sort(compareReleases)]));
  const unknown = (kind: string, ids: string[]) =>
    ids
      .map((id) => ({ id, knownIn: knownIn.get(`${kind} ${id}`) ?? [] }))
      .filter((u) => release === null || !u.knownIn.includes(release));
  return {
    release,
    unknownTechniques: unknown('technique', techniqueIds),
    unknownTactics: unknown('tactic', tactics),
  };
}
