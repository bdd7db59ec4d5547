import { randomUUID } from 'node:crypto';
import { summarize } from '../src/change-log.ts';
import { NODE_LABELS, type NodeType, REL_TYPES, type RelType } from '../src/model.ts';
import type { Executor, Query, WriteTx } from '../src/neo4j/executor.ts';
import { countRows, type ExistingNode, type ExistingRel, type Plan, planLoad, planSize } from './diff.ts';
import type { GraphRows } from './transform.ts';

/** Created before any load, each in its own schema transaction; all idempotent. */
export const SCHEMA: Query[] = [
  'CREATE CONSTRAINT attack_object_stix_id IF NOT EXISTS FOR (n:AttackObject) REQUIRE n.stixId IS UNIQUE',
  'CREATE INDEX attack_object_attack_id IF NOT EXISTS FOR (n:AttackObject) ON (n.attackId)',
  'CREATE INDEX attack_object_name IF NOT EXISTS FOR (n:AttackObject) ON (n.name)',
  'CREATE INDEX tactic_shortname IF NOT EXISTS FOR (n:Tactic) ON (n.shortname)',
  'CREATE FULLTEXT INDEX attack_object_search IF NOT EXISTS FOR (n:AttackObject) ON EACH [n.name, n.aliases, n.description]' +
    // Lucene updates move off the commit path; searches catch up within moments of an import.
    ' OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}}',
  'CREATE CONSTRAINT import_run_id IF NOT EXISTS FOR (r:ImportRun) REQUIRE r.id IS UNIQUE',
  'CREATE CONSTRAINT import_lock_domain IF NOT EXISTS FOR (l:ImportLock) REQUIRE l.domain IS UNIQUE',
].map((cypher, i) => ({ name: `schema.${i}`, cypher }));

const q = (name: string, cypher: string): Query => ({ name, cypher });

// Serialises imports of one domain: the lock is held until the transaction ends.
const LOCK = q('import.lock', 'MERGE (l:ImportLock {domain: $domain}) SET l.token = $token');
const READ_NODES = q(
  'import.readNodes',
  `MATCH (n:AttackObject)
   RETURN n.stixId AS stixId, n.hash AS hash, coalesce(n.domains, []) AS domains, n.modified AS modified, n.attackId AS attackId,
          n.name AS name, n.stixType AS stixType, n.version AS version, n.revoked AS revoked, n.deprecated AS deprecated,
          coalesce(n.versions, []) AS versions`,
);
const READ_RELS = q(
  'import.readRels',
  `MATCH (a:AttackObject)-[r]->(b:AttackObject) WHERE r.key IS NOT NULL
   RETURN r.key AS key, type(r) AS type, r.hash AS hash, coalesce(r.domains, []) AS domains, r.modified AS modified,
          a.stixId AS from, b.stixId AS to, coalesce(r.versions, []) AS versions`,
);
const CREATE_NODES = Object.fromEntries(
  Object.entries(NODE_LABELS).map(([type, labels]) => [
    type,
    q(
      `import.createNodes.${type}`,
      `UNWIND $rows AS r CREATE (n:AttackObject:${labels.join(':')}) SET n = r.props, n.hash = r.hash, n.domains = [$domain], n.versions = r.versions`,
    ),
  ]),
) as Record<NodeType, Query>;
const UPDATE_NODES = q(
  'import.updateNodes',
  'UNWIND $rows AS r MATCH (n:AttackObject {stixId: r.stixId}) SET n = r.props, n.hash = r.hash, n.domains = r.domains, n.versions = r.versions',
);
const SET_DOMAINS = q(
  'import.setDomains',
  'UNWIND $rows AS r MATCH (n:AttackObject {stixId: r.stixId}) SET n.domains = r.domains, n.versions = r.versions',
);
const DELETE_NODES = q(
  'import.deleteNodes',
  'UNWIND $ids AS id MATCH (n:AttackObject {stixId: id}) DETACH DELETE n',
);
const CREATE_RELS = Object.fromEntries(
  REL_TYPES.map((type) => [
    type,
    q(
      `import.createRels.${type}`,
      `UNWIND $rows AS r
       MATCH (a:AttackObject {stixId: r.from}) MATCH (b:AttackObject {stixId: r.to})
       CREATE (a)-[x:${type}]->(b) SET x = r.props, x.hash = r.hash, x.domains = r.domains, x.versions = r.versions`,
    ),
  ]),
) as Record<RelType, Query>;
const UPDATE_RELS = q(
  'import.updateRels',
  `UNWIND $rows AS r MATCH (:AttackObject {stixId: r.from})-[x {key: r.key}]->()
   SET x = r.props, x.hash = r.hash, x.domains = r.domains, x.versions = r.versions`,
);
const SET_REL_DOMAINS = q(
  'import.setRelDomains',
  'UNWIND $rows AS r MATCH (:AttackObject {stixId: r.from})-[x {key: r.key}]->() SET x.domains = r.domains, x.versions = r.versions',
);
const DELETE_RELS = q(
  'import.deleteRels',
  'UNWIND $rows AS r MATCH (:AttackObject {stixId: r.from})-[x {key: r.key}]->() DELETE x',
);
const RECORD_RUN = q('import.recordRun', 'CREATE (r:ImportRun) SET r = $run');
/** What an incremental pull needs to know of the graph to resolve references to objects it lacks. */
export const READ_KNOWN = q(
  'import.readKnown',
  `MATCH (n:AttackObject) WHERE $domain IN n.domains
   RETURN n.stixId AS stixId, n.stixType AS stixType, n.attackId AS attackId, n.shortname AS shortname,
          n.revoked AS revoked, n.deprecated AS deprecated, EXISTS { (n)-[:SUBTECHNIQUE_OF]->() } AS hasParent`,
);

/** Rows per `UNWIND` write: bounds each statement's size inside the one import transaction. */
const CHUNK = 2000;

/** Reports a phase of the load, with what it is about to write. */
export type OnPhase = (phase: string, detail?: string) => void;

/** Runs one write query over `items`, `CHUNK` at a time, passing each chunk as `$rows` or `$ids`. */
async function runInChunks(tx: WriteTx, query: Query, key: 'rows' | 'ids', items: unknown[], extra = {}) {
  for (let i = 0; i < items.length; i += CHUNK) {
    await tx.run(query, { [key]: items.slice(i, i + CHUNK), ...extra });
  }
}

function groupBy<T, K extends string>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = out.get(k);
    if (group) group.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export async function ensureSchema(executor: Executor): Promise<void> {
  for (const statement of SCHEMA) await executor.write(statement.name, (tx) => tx.run(statement));
}

export interface RunInfo {
  source: string;
  location: string;
  sha256: string;
  attackVersion: string | null;
  startedAt: string;
  mode: 'default' | 'strict' | 'relaxed';
  /** An incremental pull: only what changed, so nothing absent from it is removed. */
  merge: boolean;
  /**
   * Runs in the transaction after the bundle's own writes; what it writes counts as a change, and
   * `run` adds to the import run's record (see references.ts).
   */
  afterWrites?: (tx: WriteTx) => Promise<{ written: number; run: Record<string, string | null> }>;
}

export interface LoadResult {
  runId: string | null;
  /** False when the graph already held exactly this bundle: nothing was written. */
  changed: boolean;
  plan: Plan;
  counts: ReturnType<typeof countRows>;
}

/** Rolls the transaction back when the bundle changes nothing, so a re-import writes nothing. */
class Unchanged extends Error {
  constructor(readonly plan: Plan) {
    super('unchanged');
  }
}

async function apply(tx: WriteTx, plan: Plan, domain: string, onPhase: OnPhase) {
  onPhase('delete relationships', `${plan.deleteRels.length} relationships`);
  await runInChunks(tx, DELETE_RELS, 'rows', plan.deleteRels);
  onPhase('write nodes', `${plan.createNodes.length} new, ${plan.updateNodes.length} changed`);
  for (const [type, rows] of groupBy(plan.createNodes, (n) => n.type)) {
    await runInChunks(tx, CREATE_NODES[type], 'rows', rows, { domain });
  }
  await runInChunks(tx, UPDATE_NODES, 'rows', plan.updateNodes);
  await runInChunks(tx, SET_DOMAINS, 'rows', plan.setDomains);
  onPhase('write relationships', `${plan.createRels.length} new, ${plan.updateRels.length} changed`);
  for (const [type, rows] of groupBy(plan.createRels, (r) => r.type)) {
    await runInChunks(tx, CREATE_RELS[type], 'rows', rows);
  }
  await runInChunks(tx, UPDATE_RELS, 'rows', plan.updateRels);
  await runInChunks(tx, SET_REL_DOMAINS, 'rows', plan.setRelDomains);
  onPhase('delete nodes', `${plan.deleteNodes.length} objects`);
  await runInChunks(tx, DELETE_NODES, 'ids', plan.deleteNodes);
}

/**
 * Loads one domain's rows in a single write transaction: readers see the old graph until it
 * commits, and a killed importer or a dead server leaves the old graph as it was.
 */
export async function loadRows(
  executor: Executor,
  rows: GraphRows,
  info: RunInfo,
  onPhase: OnPhase = () => {},
): Promise<LoadResult> {
  const counts = countRows(rows);
  try {
    return await executor.write(`import ${rows.domain}`, async (tx) => {
      onPhase('lock');
      await tx.run(LOCK, { domain: rows.domain, token: randomUUID() });
      onPhase('diff');
      const [nodes, rels] = await Promise.all([tx.run(READ_NODES), tx.run(READ_RELS)]);
      const plan = planLoad(rows, nodes as unknown as ExistingNode[], rels as unknown as ExistingRel[], {
        merge: info.merge,
      });
      const size = planSize(plan);
      if (size > 0) await apply(tx, plan, rows.domain, onPhase);
      const after = (await info.afterWrites?.(tx)) ?? { written: 0, run: {} };
      if (size === 0 && after.written === 0) throw new Unchanged(plan);
      const runId = randomUUID();
      const initial = plan.changes.every((c) => c.change === 'added') && nodes.length === 0;
      await tx.run(RECORD_RUN, {
        run: {
          id: runId,
          domain: rows.domain,
          attackVersion: info.attackVersion,
          source: info.source,
          location: info.location,
          sha256: info.sha256,
          mode: info.merge ? `${info.mode}, incremental` : info.mode,
          startedAt: info.startedAt,
          finishedAt: new Date().toISOString(),
          countsJson: JSON.stringify(counts),
          summaryJson: JSON.stringify(summarize(plan.changes)),
          // The first import of an empty graph adds everything; listing it all would say nothing.
          changesJson: initial ? null : JSON.stringify(plan.changes),
          relationshipChangesJson: initial ? null : JSON.stringify(plan.relationshipChanges),
          ...after.run,
        },
      });
      return { runId, changed: true, plan, counts };
    });
  } catch (err) {
    if (err instanceof Unchanged) return { runId: null, changed: false, plan: err.plan, counts };
    throw err;
  }
}
