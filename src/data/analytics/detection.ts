import { z } from 'zod';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import { type Domain, idOf, perRelease, type ReleaseArg, releaseParams, stixIdsOf } from '../rows.ts';
import { activeInDomain, entry, onPlatform } from './common.ts';

/**
 * Technique -> detection strategies -> analytics (of the platform) -> log sources, as flat rows:
 * one per strategy and analytic (analytic null for a strategy without one on the platform).
 */
export const DETECTION_CHAIN = perRelease(
  (named): Query => ({
    name: 'analytics.detectionChain',
    cypher: `
MATCH (t:Technique {stixId: $technique})<-[:DETECTS]-(s:DetectionStrategy)
WHERE ${entry('t', named)} AND ${activeInDomain('s')}
OPTIONAL MATCH (s)-[:HAS_ANALYTIC]->(a:Analytic) WHERE ${activeInDomain('a')} AND ${onPlatform('a')}
OPTIONAL MATCH (a)-[l:LOGS_FROM]->(d:DataComponent)
WITH s, a, l, d ORDER BY d.attackId, l.name, l.channel
WITH s, a, [x IN collect({dataComponent: ${idOf('d', named)}, name: l.name, channel: l.channel}) WHERE x.dataComponent IS NOT NULL] AS logSources
ORDER BY s.attackId, a.attackId
RETURN ${idOf('s', named)} AS strategy, ${idOf('a', named)} AS analytic, logSources`,
  }),
);

const logSource = z.object({
  dataComponent: z.string(),
  name: z.string().nullable(),
  channel: z.string().nullable(),
});
export type LogSourceRow = z.infer<typeof logSource>;
const chainRow = z.object({
  strategy: z.string(),
  analytic: z.string().nullable(),
  logSources: z.array(logSource),
});

export interface ChainStrategy {
  strategy: string;
  analytics: { analytic: string; logSources: LogSourceRow[] }[];
}

export async function fetchDetectionChain(
  db: ReadExecutor,
  technique: string,
  filters: { domain: Domain | null; platform: string | null; release?: ReleaseArg },
): Promise<ChainStrategy[]> {
  const [stixId] = stixIdsOf([technique]);
  const rows = await db.read(DETECTION_CHAIN(filters.release), {
    technique: stixId,
    domain: filters.domain,
    platform: filters.platform,
    ...releaseParams(filters.release),
  });
  const out = new Map<string, ChainStrategy>();
  for (const r of rows.map((x) => chainRow.parse(x))) {
    let s = out.get(r.strategy);
    if (!s) {
      s = { strategy: r.strategy, analytics: [] };
      out.set(r.strategy, s);
    }
    if (r.analytic) s.analytics.push({ analytic: r.analytic, logSources: r.logSources });
  }
  return [...out.values()];
}

/**
 * Analytics with at least one log source from `$dataComponents`, with all their log sources and
 * the techniques their detection strategies detect.
 */
export const ANALYTICS_FROM = perRelease(
  (named): Query => ({
    name: 'analytics.analyticsFrom',
    cypher: `
MATCH (a:Analytic)-[:LOGS_FROM]->(d:DataComponent)
WHERE d.stixId IN $dataComponents AND ${entry('d', named)} AND ${activeInDomain('a')} AND ${onPlatform('a')}
WITH DISTINCT a
MATCH (a)<-[:HAS_ANALYTIC]-(s:DetectionStrategy)-[:DETECTS]->(t:Technique)
WHERE ${activeInDomain('s')} AND ${activeInDomain('t')}
WITH a, collect(DISTINCT {strategy: ${idOf('s', named)}, technique: ${idOf('t', named)}}) AS detects
MATCH (a)-[l:LOGS_FROM]->(d:DataComponent)
RETURN ${idOf('a', named)} AS analytic, detects,
       collect({dataComponent: ${idOf('d', named)}, name: l.name, channel: l.channel}) AS logSources`,
  }),
);

const analyticRow = z.object({
  analytic: z.string(),
  detects: z.array(z.object({ strategy: z.string(), technique: z.string() })),
  logSources: z.array(logSource),
});
export type AnalyticRow = z.infer<typeof analyticRow>;

export async function fetchAnalyticsFrom(
  db: ReadExecutor,
  dataComponents: readonly string[],
  filters: { domain: Domain | null; platform: string | null; release?: ReleaseArg },
): Promise<AnalyticRow[]> {
  if (dataComponents.length === 0) return [];
  const rows = await db.read(ANALYTICS_FROM(filters.release), {
    dataComponents: stixIdsOf(dataComponents),
    domain: filters.domain,
    platform: filters.platform,
    ...releaseParams(filters.release),
  });
  return rows.map((r) => analyticRow.parse(r));
}
