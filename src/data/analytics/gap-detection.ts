import { z } from 'zod';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import { idOf, perRelease, type ReleaseArg, releaseParams, stixIdsOf } from '../rows.ts';
import { activeInDomain, entry, onPlatform } from './common.ts';

/**
 * For many techniques at once (coverage gaps), the data components that would detect each, with
 * the log names and channels: through detection strategies -> analytics (of the platform) -> log
 * sources (release 18 on), and through data components' own `detects` (older releases). One query.
 */
export const GAP_DETECTION = perRelease(
  (named): Query => ({
    name: 'analytics.gapDetection',
    cypher: `
UNWIND $techniques AS id
MATCH (t:Technique {stixId: id}) WHERE ${entry('t', named)}
CALL (t) {
  MATCH (t)<-[:DETECTS]-(s:DetectionStrategy)-[:HAS_ANALYTIC]->(a:Analytic)-[l:LOGS_FROM]->(d:DataComponent)
  WHERE ${activeInDomain('s')} AND ${activeInDomain('a')} AND ${onPlatform('a')}
  RETURN d, {name: l.name, channel: l.channel} AS log
  UNION
  MATCH (t)<-[:DETECTS]-(d:DataComponent) WHERE ${activeInDomain('d')}
  RETURN d, null AS log
}
WITH id, d, [x IN collect(DISTINCT log) WHERE x IS NOT NULL] AS logs
ORDER BY d.attackId
RETURN id AS technique, ${idOf('d', named)} AS dataComponent, logs`,
  }),
);

const row = z.object({
  technique: z.string(),
  dataComponent: z.string(),
  logs: z.array(z.object({ name: z.string().nullable(), channel: z.string().nullable() })),
});

export interface GapLogSource {
  dataComponent: string;
  name: string | null;
  channel: string | null;
}

/** Per technique id (as given), its data components and log sources, in data component order. */
export async function fetchGapDetection(
  db: ReadExecutor,
  techniques: readonly string[],
  filters: { platform: string | null; release?: ReleaseArg },
): Promise<Map<string, GapLogSource[]>> {
  const out = new Map<string, GapLogSource[]>(techniques.map((t) => [t, []]));
  if (techniques.length === 0) return out;
  const stix = stixIdsOf(techniques);
  const back = new Map(stix.map((s, i) => [s, techniques[i] ?? s]));
  const rows = await db.read(GAP_DETECTION(filters.release), {
    techniques: [...new Set(stix)],
    platform: filters.platform,
    domain: null,
    ...releaseParams(filters.release),
  });
  for (const r of rows.map((x) => row.parse(x))) {
    const list = out.get(back.get(r.technique) ?? r.technique);
    if (!list) continue;
    if (r.logs.length === 0) list.push({ dataComponent: r.dataComponent, name: null, channel: null });
    for (const l of r.logs) list.push({ dataComponent: r.dataComponent, ...l });
  }
  return out;
}
