import { z } from 'zod';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import { active, type Domain, idOf, perRelease, type ReleaseArg, releaseParams, stixIdsOf } from '../rows.ts';
import { activeInDomain, entry } from './common.ts';

/** Active mitigations with the active techniques they address (`mitigates`), among `$techniques`. */
export const MITIGATIONS_OF = perRelease(
  (named): Query => ({
    name: 'analytics.mitigationsOf',
    cypher: `
MATCH (m:Mitigation)-[r:MITIGATES]->(t:Technique)
WHERE t.stixId IN $techniques AND ${entry('t', named)} AND ${active('r')} AND ${activeInDomain('m')}
RETURN ${idOf('m', named)} AS mitigation, m.attackId AS attackId, m.name AS name,
       collect(DISTINCT ${idOf('t', named)}) AS techniques`,
  }),
);

const row = z.object({
  mitigation: z.string(),
  attackId: z.string().nullable(),
  name: z.string(),
  techniques: z.array(z.string()),
});
export type MitigationRow = z.infer<typeof row>;

export async function fetchMitigationsOf(
  db: ReadExecutor,
  techniques: readonly string[],
  domain: Domain | null,
  release: ReleaseArg = null,
): Promise<MitigationRow[]> {
  if (techniques.length === 0) return [];
  const rows = await db.read(MITIGATIONS_OF(release), {
    techniques: stixIdsOf(techniques),
    domain,
    ...releaseParams(release),
  });
  return rows.map((r) => row.parse(r));
}
