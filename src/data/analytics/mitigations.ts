import { z } from 'zod';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import { active, type Domain } from '../rows.ts';
import { current, entry } from './common.ts';

/** Current mitigations with the current techniques they address (`mitigates`), among `$techniques`. */
export const MITIGATIONS_OF: Query = {
  name: 'analytics.mitigationsOf',
  cypher: `
MATCH (m:Mitigation)-[r:MITIGATES]->(t:Technique)
WHERE t.stixId IN $techniques AND ${entry('t')} AND ${active('r')} AND ${current('m')}
RETURN m.stixId AS mitigation, m.attackId AS attackId, m.name AS name, collect(DISTINCT t.stixId) AS techniques`,
};

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
): Promise<MitigationRow[]> {
  if (techniques.length === 0) return [];
  const rows = await db.read(MITIGATIONS_OF, { techniques, domain });
  return rows.map((r) => row.parse(r));
}
