import { randomUUID } from 'node:crypto';
import { NODE_LABELS, type NodeType, REL_TYPES, type RelType } from '../src/model.ts';
import type { Executor, Query, WriteTx } from '../src/neo4j/executor.ts';
import { countRows, type Plan, planLoad, planSize } from './diff.ts';
import { readExisting } from './existing.ts';
import type { GraphRows } from './transform.ts';

/** Created before any load, each in its own schema transaction; all idempotent. Keyed by name. */
export const SCHEMA: Record<string, string> = {
  attack_object_stix_id:
    'CREATE CONSTRAINT attack_object_stix_id IF NOT EXISTS FOR (n:AttackObject) REQUIRE n.stixId IS UNIQUE',
  attack_object_attack_id:
    'CREATE INDEX attack_object_attack_id IF NOT EXISTS FOR (n:AttackObject) ON (n.attackId)',
  attack_object_name: 'CREATE INDEX attack_object_name IF NOT EXISTS FOR (n:AttackObject) ON (n.name)',
  tactic_shortname: 'CREATE INDEX tactic_shortname IF NOT EXISTS FOR (n:Tactic) ON (n.shortname)',
  attack_object_search:
    'CREATE FULLTEXT INDEX attack_object_search IF NOT EXISTS FOR (n:AttackObject) ON EACH [n.name, n.aliases, n.description]' +
    // Lucene updates move off the commit path; searches catch up within moments of an import.
    ' OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}}',
  import_run_id: 'CREATE CONSTRAINT import_run_id IF NOT EXISTS FOR (r:ImportRun) REQUIRE r.id IS UNIQUE',
  import_lock_domain:
    'CREATE CONSTRAINT import_lock_domain IF NOT EXISTS FOR (l:ImportLock) REQUIRE l.domain IS UNIQUE',
};

const q = (name: string, cypher: string): Query => ({ name, cypher });

// Serialises imports of one domain: the lock is held until the transaction ends.
const LOCK = q('import.lock', 'MERGE (l:ImportLock {domain: $domain}) SET l.token = $token');
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
/**
 * Rows per `UNWIND` write: bounds each statement's parameters (a Bolt message) inside the one import
 * transaction. Enterprise's largest type, USES, takes two statements.
 */
const CHUNK = 10_000;

/** Reports a phase of the load, with what it is about to write. */
export type OnPhase = (phase: string, detail?: string) => void;

/** One statement of the load and its parameters. */
export type Statement = { query: Query; params: Record<string, unknown> };
/** A phase of the load: its statements, in the order the server must run them. */
export type Phase = { phase: string; detail: string; statements: Statement[] };

/** One statement per `CHUNK` of `items`, each chunk passed as `$rows` or `$ids`. */
function chunked(query: Query, key: 'rows' | 'ids', items: unknown[], extra = {}): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < items.length; i += CHUNK)
    out.push({ query, params: { [key]: items.slice(i, i + CHUNK), ...extra } });
  return out;
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

const SHOW_CONSTRAINTS = q('import.showConstraints', 'SHOW CONSTRAINTS YIELD name RETURN name');
const SHOW_INDEXES = q('import.showIndexes', 'SHOW INDEXES YIELD name RETURN name');

/** Creates what `SCHEMA` lists and the database lacks: one read when all of it is there. */
export async function ensureSchema(executor: Executor): Promise<void> {
  const found = await executor.readBatch([{ query: SHOW_CONSTRAINTS }, { query: SHOW_INDEXES }]);
  const present = new Set(found.flat().map((r) => r.name));
  for (const [name, cypher] of Object.entries(SCHEMA)) {
    if (present.has(name)) continue;
    const statement = q(`schema.${name}`, cypher);
    await executor.write(statement.name, (tx) => tx.run(statement));
  }
}

export interface RunInfo {
  source: string;
  location: string;
  sha256: string;
  attackVersion: string | null;
  startedAt: string;
  mode: 'strict' | 'relaxed';
  /** An incremental pull: only what changed, so nothing absent from it is removed. */
  merge: boolean;
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

/**
 * The plan's statements in the order they must run, each row cut to what its statement reads (the
 * driver encodes every value it is given).
 */
export function loadPhases(plan: Plan, domain: string): Phase[] {
  const createNodes = [...groupBy(plan.createNodes, (n) => n.type)].flatMap(([type, rows]) =>
    chunked(
      CREATE_NODES[type],
      'rows',
      rows.map(({ props, hash, versions }) => ({ props, hash, versions })),
      {
        domain,
      },
    ),
  );
  const createRels = [...groupBy(plan.createRels, (r) => r.type)].flatMap(([type, rows]) =>
    chunked(
      CREATE_RELS[type],
      'rows',
      rows.map(({ from, to, props, hash, domains, versions }) => ({
        from,
        to,
        props,
        hash,
        domains,
        versions,
      })),
    ),
  );
  const updateRels = plan.updateRels.map(({ key, from, props, hash, domains, versions }) => ({
    key,
    from,
    props,
    hash,
    domains,
    versions,
  }));
  return [
    {
      phase: 'delete relationships',
      detail: `${plan.deleteRels.length} relationships`,
      statements: chunked(DELETE_RELS, 'rows', plan.deleteRels),
    },
    {
      phase: 'write nodes',
      detail: `${plan.createNodes.length} new, ${plan.updateNodes.length} changed`,
      statements: [
        ...createNodes,
        ...chunked(UPDATE_NODES, 'rows', plan.updateNodes),
        ...chunked(SET_DOMAINS, 'rows', plan.setDomains),
      ],
    },
    {
      phase: 'write relationships',
      detail: `${plan.createRels.length} new, ${plan.updateRels.length} changed`,
      statements: [
        ...createRels,
        ...chunked(UPDATE_RELS, 'rows', updateRels),
        ...chunked(SET_REL_DOMAINS, 'rows', plan.setRelDomains),
      ],
    },
    {
      phase: 'delete nodes',
      detail: `${plan.deleteNodes.length} objects`,
      statements: chunked(DELETE_NODES, 'ids', plan.deleteNodes),
    },
  ];
}

/**
 * Sends every statement at once: Bolt pipelines them in the one transaction and the server runs them
 * in order, so the client encodes the next batch while Neo4j writes the one before. Each phase is
 * reported when the server reaches it, that is when the phase before it has finished.
 */
async function apply(tx: WriteTx, plan: Plan, domain: string, onPhase: OnPhase) {
  const all = loadPhases(plan, domain);
  const sent = all.map((p) => Promise.all(p.statements.map((s) => tx.run(s.query, s.params))));
  // A failed statement fails the ones after it too; the first failure is the one thrown.
  for (const p of sent) p.catch(() => {});
  for (const [i, p] of all.entries()) {
    onPhase(p.phase, p.detail);
    await sent[i];
  }
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
      const existing = await readExisting(tx);
      const plan = planLoad(rows, existing.nodes, existing.rels, { merge: info.merge });
      if (planSize(plan) === 0) throw new Unchanged(plan);
      await apply(tx, plan, rows.domain, onPhase);
      onPhase('commit');
      const runId = randomUUID();
      await tx.run(RECORD_RUN, {
        run: runRecord(runId, rows.domain, info, plan, counts, existing.nodes.length),
      });
      return { runId, changed: true, plan, counts };
    });
  } catch (err) {
    if (err instanceof Unchanged) return { runId: null, changed: false, plan: err.plan, counts };
    throw err;
  }
}

/** The `ImportRun` node's properties: what ran, what it counted, and what it changed. */
function runRecord(
  id: string,
  domain: string,
  info: RunInfo,
  plan: Plan,
  counts: LoadResult['counts'],
  nodesBefore: number,
) {
  const summary: Record<string, number> = {};
  for (const c of plan.changes) summary[c.change] = (summary[c.change] ?? 0) + 1;
  // The first import of an empty graph adds everything; listing it all would say nothing.
  const initial = plan.changes.every((c) => c.change === 'added') && nodesBefore === 0;
  return {
    id,
    domain,
    attackVersion: info.attackVersion,
    source: info.source,
    location: info.location,
    sha256: info.sha256,
    mode: info.merge ? `${info.mode}, incremental` : info.mode,
    startedAt: info.startedAt,
    finishedAt: new Date().toISOString(),
    countsJson: JSON.stringify(counts),
    summaryJson: JSON.stringify(summary),
    changesJson: initial ? null : JSON.stringify(plan.changes),
    relationshipChangesJson: initial ? null : JSON.stringify(plan.relationshipChanges),
  };
}
