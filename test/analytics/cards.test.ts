/**
 * The analyst queries resolve input keys and show result objects from each import's objects held
 * in memory (src/schema/types/analytics/cards.ts). On the real enterprise 18.1 bundle, both must
 * answer exactly what the Cypher they replace answers: RESOLVE_KEYS and the core-row read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.ts';
import {
  activeInDomain,
  entry,
  onPlatform,
  type ReadScope,
  resolveKeys,
  scopeParams,
} from '../../src/data/analytics/common.ts';
import {
  type AnalyticRow,
  analyticsFrom,
  type ChainStrategy,
  fetchEveryAnalytic,
  fetchEveryChain,
  type LogSourceRow,
} from '../../src/data/analytics/detection.ts';
import { createPerImport } from '../../src/data/analytics/per-import.ts';
import { fetchCore } from '../../src/data/objects.ts';
import { type Domain, idOf, isNamed, type Label } from '../../src/data/rows.ts';
import type { ReadExecutor } from '../../src/neo4j/executor.ts';
import { nodeRows, resolveKeysOf } from '../../src/schema/types/analytics/cards.ts';
import { appWithBundles, type TestApp } from '../helpers/app.ts';

/*
 * The per-request Cypher the per-import reads replaced (one technique's chain, the analytics of some
 * data components), kept here as the reference the in-memory answers must equal.
 */

async function detectionChain(db: ReadExecutor, technique: string, f: ReadScope): Promise<ChainStrategy[]> {
  const named = isNamed(f.release ?? null);
  const rows = await db.read(
    {
      name: 'test.detectionChain',
      cypher: `
MATCH (t:Technique {stixId: $technique})<-[:DETECTS]-(s:DetectionStrategy)
WHERE ${entry('t', named)} AND ${activeInDomain('s')}
OPTIONAL MATCH (s)-[:HAS_ANALYTIC]->(a:Analytic) WHERE ${activeInDomain('a')} AND ${onPlatform('a')}
OPTIONAL MATCH (a)-[l:LOGS_FROM]->(d:DataComponent)
WITH s, a, l, d ORDER BY d.attackId, l.name, l.channel
WITH s, a, [x IN collect({dataComponent: ${idOf('d', named)}, name: l.name, channel: l.channel}) WHERE x.dataComponent IS NOT NULL] AS logSources
ORDER BY s.attackId, a.attackId
RETURN ${idOf('s', named)} AS strategy, ${idOf('a', named)} AS analytic, logSources`,
    },
    { technique, ...scopeParams(f) },
  );
  const out = new Map<string, ChainStrategy>();
  for (const r of rows as { strategy: string; analytic: string | null; logSources: LogSourceRow[] }[]) {
    const s = out.get(r.strategy) ?? { strategy: r.strategy, analytics: [] };
    out.set(r.strategy, s);
    if (r.analytic) s.analytics.push({ analytic: r.analytic, logSources: r.logSources });
  }
  return [...out.values()];
}

async function analyticsFromCypher(db: ReadExecutor, dataComponents: string[], f: ReadScope) {
  const named = isNamed(f.release ?? null);
  const rows = await db.read(
    {
      name: 'test.analyticsFrom',
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
    },
    { dataComponents, ...scopeParams(f) },
  );
  return rows as unknown as AnalyticRow[];
}

let app: TestApp;
let keys: string[];
let stixIds: string[];
const context = (): Context => ({ db: app.db.executor.batching(), perImport: createPerImport() });

beforeAll(async () => {
  app = await appWithBundles(['enterprise-attack-18.1']);
  // Every object's keys as a user might type them, revoked and deprecated ones too.
  const rows = (await app.db.executor.read({
    name: 'test.everyKey',
    cypher: `MATCH (n:AttackObject:Current)
      RETURN n.stixId AS stixId, n.attackId AS attackId, n.name AS name, coalesce(n.aliases, []) AS aliases,
             n:Group OR n:Campaign AS named
      ORDER BY n.stixId`,
  })) as { stixId: string; attackId: string | null; name: string; aliases: string[]; named: boolean }[];
  // RESOLVE_KEYS scans every object per name key: every 3rd group's and campaign's keys (where
  // aliases collide) and every 60th other object's keep it to a minute on a loaded machine.
  const sample = rows.filter((r, i) => (r.named ? i % 3 === 0 : i % 60 === 0));
  const typed = sample.flatMap((r) => [
    r.stixId,
    ...(r.attackId ? [r.attackId, r.attackId.toLowerCase()] : []),
    r.name,
    r.name.toUpperCase(),
    ...r.aliases.map((a) => a.toLowerCase()),
  ]);
  keys = [...new Set([...typed, 'G9999', 'no such thing', 'T1003.999', 'attack-pattern--nope'])];
  stixIds = rows.map((r) => r.stixId);
}, 600_000);
afterAll(() => app?.close());

const LABEL_SETS: Label[][] = [
  ['Group'],
  ['Technique'],
  ['Group', 'Campaign', 'Software'],
  ['Tactic', 'Technique', 'Group', 'Software', 'Mitigation', 'Campaign', 'DetectionStrategy', 'Analytic'],
];

describe('analyst objects held per import', () => {
  it('resolve every key to what RESOLVE_KEYS resolves it to, for each label set, domain and release', async () => {
    for (const labels of LABEL_SETS) {
      for (const domain of [null, 'mobile-attack'] as (Domain | null)[]) {
        for (const release of domain === null && labels.length > 1 ? [null, '18.1'] : [null]) {
          const cypher = await resolveKeys(app.db.executor, keys, labels, domain, release);
          const memory = await resolveKeysOf(context(), keys, labels, domain, release);
          const at = { labels, domain, release };
          expect({ at, ids: memory.ids }).toEqual({ at, ids: cypher.ids });
          expect({ at, unknown: memory.unknown }).toEqual({ at, unknown: cypher.unknown });
          // A lookup table: its order carries nothing.
          const entries = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
          expect({ at, byKey: entries(memory.byKey) }).toEqual({ at, byKey: entries(cypher.byKey) });
        }
      }
    }
  }, 600_000);

  it('show each object as the core-row read does, in the newest and in a named release', async () => {
    for (const release of [null, '18.1']) {
      const ids = [...stixIds.map((id) => (release ? `${id}@${release}` : id)), 'malware--unknown'];
      const refs = ids.map((id) => {
        const at = id.lastIndexOf('@');
        return at < 0
          ? { stixId: id, release: null }
          : { stixId: id.slice(0, at), release: id.slice(at + 1) };
      });
      const expected = await fetchCore(app.db.executor, refs);
      expect(await nodeRows(context(), ids)).toEqual(expected);
    }
  });

  it('give each technique the detection chain, and each set of log sources the analytics, that the per-request Cypher gives', async () => {
    const techniques = (await app.db.executor.read({
      name: 'test.detectedTechniques',
      cypher: `MATCH (t:Technique:Current) WHERE EXISTS { (t)<-[:DETECTS]-(:DetectionStrategy) }
        RETURN t.stixId AS stixId ORDER BY t.stixId`,
    })) as { stixId: string }[];
    const components = (await app.db.executor.read({
      name: 'test.dataComponents',
      cypher: 'MATCH (d:DataComponent:Current) RETURN d.stixId AS stixId ORDER BY d.stixId',
    })) as { stixId: string }[];
    expect(techniques.length).toBeGreaterThan(100);
    // Neither the rows' order nor their lists' is part of what detectableTechniques reads from them.
    // Flat objects, compared by their fields whatever their order (Neo4j's maps are unordered).
    const key = (x: object) => JSON.stringify(x, Object.keys(x).sort());
    const normal = (xs: AnalyticRow[]) =>
      xs
        .map((a) => ({
          analytic: a.analytic,
          detects: a.detects.map(key).sort(),
          logSources: a.logSources.map(key).sort(),
        }))
        .sort((a, b) => (a.analytic < b.analytic ? -1 : 1));
    for (const platform of [null, 'windows', 'Linux']) {
      const filters = { domain: 'enterprise-attack' as const, platform };
      const chains = await fetchEveryChain(app.db.executor, filters);
      for (const [i, t] of techniques.entries()) {
        if (i % 5 !== 0) continue;
        const one = await detectionChain(app.db.executor, t.stixId, filters);
        expect({ t: t.stixId, platform, chain: chains.get(t.stixId) ?? [] }).toEqual({
          t: t.stixId,
          platform,
          chain: one,
        });
      }
      const every = await fetchEveryAnalytic(app.db.executor, filters);
      for (let i = 0; i < components.length; i += 7) {
        const ids = components.slice(i, i + 3).map((c) => c.stixId);
        const one = await analyticsFromCypher(app.db.executor, ids, filters);
        expect({ ids, platform, analytics: normal(analyticsFrom(every, ids)) }).toEqual({
          ids,
          platform,
          analytics: normal(one),
        });
      }
    }
  }, 600_000);
});
