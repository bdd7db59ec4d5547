import { z } from 'zod';
import type { Query, ReadExecutor } from '../../neo4j/executor.ts';
import { idOf, perRelease } from '../rows.ts';
import { activeInDomain, entry, onPlatform, type ReadScope, scopeParams } from './common.ts';

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

/** A technique's chain rows (in order) as strategies, each with its analytics. */
function chainOf(rows: readonly z.infer<typeof chainRow>[]): ChainStrategy[] {
  const out = new Map<string, ChainStrategy>();
  for (const r of rows) {
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
 * Technique -> detection strategies -> analytics (of the platform) -> log sources, for every
 * technique of the release at once, as flat rows: one per strategy and analytic (analytic null for
 * a strategy without one on the platform), in order per technique. Kept per import, so that a
 * chain request reads nothing of its own.
 */
export const EVERY_CHAIN = perRelease(
  (named): Query => ({
    name: 'analytics.everyDetectionChain',
    cypher: `
MATCH (t:Technique)<-[:DETECTS]-(s:DetectionStrategy)
WHERE ${entry('t', named)} AND ${activeInDomain('s')}
OPTIONAL MATCH (s)-[:HAS_ANALYTIC]->(a:Analytic) WHERE ${activeInDomain('a')} AND ${onPlatform('a')}
OPTIONAL MATCH (a)-[l:LOGS_FROM]->(d:DataComponent)
WITH t, s, a, l, d ORDER BY d.attackId, l.name, l.channel
WITH t, s, a, [x IN collect({dataComponent: ${idOf('d', named)}, name: l.name, channel: l.channel}) WHERE x.dataComponent IS NOT NULL] AS logSources
ORDER BY t.stixId, s.attackId, a.attackId
RETURN ${idOf('t', named)} AS technique, ${idOf('s', named)} AS strategy, ${idOf('a', named)} AS analytic, logSources`,
  }),
);

/** Every technique's detection chain (techniques without a detection strategy are absent). */
export async function fetchEveryChain(
  db: ReadExecutor,
  filters: ReadScope,
): Promise<Map<string, ChainStrategy[]>> {
  const rows = await db.read(EVERY_CHAIN(filters.release), scopeParams(filters));
  const byTechnique = new Map<string, z.infer<typeof chainRow>[]>();
  for (const r of rows) {
    const row = chainRow.extend({ technique: z.string() }).parse(r);
    const list = byTechnique.get(row.technique);
    if (list) list.push(row);
    else byTechnique.set(row.technique, [row]);
  }
  return new Map([...byTechnique].map(([t, list]) => [t, chainOf(list)]));
}

const analyticRow = z.object({
  analytic: z.string(),
  detects: z.array(z.object({ strategy: z.string(), technique: z.string() })),
  logSources: z.array(logSource),
});
export type AnalyticRow = z.infer<typeof analyticRow>;

/**
 * Every active analytic of the release (domain, platform) that logs from a data component, with
 * all its log sources and the techniques its detection strategies detect: kept per import, and
 * narrowed to the log sources asked for in memory (`analyticsFrom`).
 */
export const EVERY_ANALYTIC = perRelease(
  (named): Query => ({
    name: 'analytics.everyAnalytic',
    cypher: `
MATCH (a:Analytic)
WHERE ${entry('a', named)} AND ${activeInDomain('a')} AND ${onPlatform('a')} AND EXISTS { (a)-[:LOGS_FROM]->(:DataComponent) }
MATCH (a)<-[:HAS_ANALYTIC]-(s:DetectionStrategy)-[:DETECTS]->(t:Technique)
WHERE ${activeInDomain('s')} AND ${activeInDomain('t')}
WITH a, collect(DISTINCT {strategy: ${idOf('s', named)}, technique: ${idOf('t', named)}}) AS detects
MATCH (a)-[l:LOGS_FROM]->(d:DataComponent)
RETURN ${idOf('a', named)} AS analytic, detects,
       collect({dataComponent: ${idOf('d', named)}, name: l.name, channel: l.channel}) AS logSources`,
  }),
);

export async function fetchEveryAnalytic(db: ReadExecutor, filters: ReadScope): Promise<AnalyticRow[]> {
  const rows = await db.read(EVERY_ANALYTIC(filters.release), scopeParams(filters));
  return rows.map((r) => analyticRow.parse(r));
}

/** Every analytic by the data components it logs from: built once per list of every analytic. */
const byComponent = new WeakMap<readonly AnalyticRow[], Map<string, AnalyticRow[]>>();

function componentIndex(every: readonly AnalyticRow[]): Map<string, AnalyticRow[]> {
  let index = byComponent.get(every);
  if (!index) {
    index = new Map();
    for (const a of every) {
      for (const dc of new Set(a.logSources.map((l) => l.dataComponent))) {
        const list = index.get(dc);
        if (list) list.push(a);
        else index.set(dc, [a]);
      }
    }
    byComponent.set(every, index);
  }
  return index;
}

/**
 * The analytics that log from one of `dataComponents`, each once, with all their log sources,
 * from every analytic (kept per import, and so is its index by data component).
 */
export function analyticsFrom(
  every: readonly AnalyticRow[],
  dataComponents: readonly string[],
): AnalyticRow[] {
  const index = componentIndex(every);
  const found = new Set<AnalyticRow>();
  for (const dc of dataComponents) for (const a of index.get(dc) ?? []) found.add(a);
  return [...found];
}
