import { randomUUID } from 'node:crypto';
import { summarize } from '../src/change-log.ts';
import type { Executor, Query, WriteTx } from '../src/neo4j/executor.ts';
import {
  CREATE_NODES,
  CREATE_RELS,
  DELETE_NODES,
  DELETE_RELS,
  LOCK,
  q,
  RECORD_RUN,
  SCHEMA,
  SET_DOMAINS,
  SET_REL_DOMAINS,
  SHOW_CONSTRAINTS,
  SHOW_INDEXES,
  UPDATE_NODES,
  UPDATE_RELS,
} from './cypher.ts';
import { countRows, type Plan, planLoad, planSize } from './diff.ts';
import { readExisting } from './existing.ts';
import type { GraphRows } from './transform.ts';

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
 * Runs the statements in order, each sent while the one before it runs (Bolt pipelines them in the
 * one transaction), so the client encodes the next batch while Neo4j writes the last. One ahead, not
 * all: the server then holds at most two statements' parameters besides the transaction's state.
 */
async function apply(tx: WriteTx, plan: Plan, domain: string, onPhase: OnPhase) {
  let running: Promise<unknown> = Promise.resolve();
  for (const p of loadPhases(plan, domain)) {
    onPhase(p.phase, p.detail);
    for (const s of p.statements) {
      const next = tx.run(s.query, s.params);
      // Awaited on the next turn; if `running` fails first, this one fails after it, unobserved.
      next.catch(() => {});
      await running;
      running = next;
    }
  }
  await running;
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
      const size = planSize(plan);
      if (size > 0) await apply(tx, plan, rows.domain, onPhase);
      const after = (await info.afterWrites?.(tx)) ?? { written: 0, run: {} };
      if (size === 0 && after.written === 0) throw new Unchanged(plan);
      onPhase('commit');
      const runId = randomUUID();
      await tx.run(RECORD_RUN, {
        run: { ...runRecord(runId, rows.domain, info, plan, counts, existing.nodes.length), ...after.run },
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
    summaryJson: JSON.stringify(summarize(plan.changes)),
    changesJson: initial ? null : JSON.stringify(plan.changes),
    relationshipChangesJson: initial ? null : JSON.stringify(plan.relationshipChanges),
  };
}
