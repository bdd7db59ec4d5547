import { z } from 'zod';
import type { Executor } from '../src/neo4j/executor.ts';
import { q } from './cypher.ts';
import { moveCurrent, UNVERSIONED, writeRelease } from './releases.ts';

/*
 * A graph imported before releases held one release per domain, keyed by STIX id alone. Its nodes
 * get the release of their domain's newest import run (a node shared by two domains, the first
 * domain's), its domains a :Release record, and the newest release :Current. Run once, by
 * ensureSchema, while the old constraint is still there; re-importing gives exact snapshots.
 */

const LEGACY_RELEASES = q(
  'import.legacyReleases',
  `MATCH (r:ImportRun) WITH r ORDER BY r.finishedAt DESC, r.id DESC
   WITH r.domain AS domain, collect(r)[0] AS newest
   RETURN domain, coalesce(newest.attackVersion, $unversioned) AS release, newest.finishedAt AS finishedAt`,
);
const SET_LEGACY_RELEASE = q(
  'import.setLegacyRelease',
  `MATCH (n:AttackObject) WHERE n.release IS NULL AND n.domains[0] = $domain
   SET n.release = $release`,
);
const SET_UNVERSIONED = q(
  'import.setUnversioned',
  'MATCH (n:AttackObject) WHERE n.release IS NULL SET n.release = $release',
);
const LEGACY_HELD = q(
  'import.legacyHeld',
  'MATCH (n:AttackObject) UNWIND n.domains AS domain RETURN DISTINCT domain, n.release AS release',
);

const legacyRow = z.object({ domain: z.string(), release: z.string(), finishedAt: z.string().nullable() });
const heldRow = z.object({ domain: z.string(), release: z.string() });

export async function migrateLegacy(executor: Executor): Promise<void> {
  await executor.write('import.migrateLegacy', async (tx) => {
    const runs = z.array(legacyRow).parse(await tx.run(LEGACY_RELEASES, { unversioned: UNVERSIONED }));
    for (const r of runs) await tx.run(SET_LEGACY_RELEASE, { domain: r.domain, release: r.release });
    await tx.run(SET_UNVERSIONED, { release: UNVERSIONED });
    const importedAt = new Date().toISOString();
    for (const held of z.array(heldRow).parse(await tx.run(LEGACY_HELD))) {
      const run = runs.find((r) => r.domain === held.domain && r.release === held.release);
      await writeRelease(tx, held, { modified: null, importedAt: run?.finishedAt ?? importedAt });
    }
    await moveCurrent(tx);
  });
}
