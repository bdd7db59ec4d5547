import { randomUUID } from 'node:crypto';
import { summarize } from '../src/change-log.ts';
import { CHANGED_AT, DATA_CHANGE, DATA_CHANGE_KINDS, NODE_LABELS } from '../src/model.ts';
import type { Executor, Query, Row, WriteTx } from '../src/neo4j/executor.ts';
import { newestRelease } from '../src/releases/order.ts';
import {
  CREATE_NODES,
  CREATE_RELS_BY_ID,
  changedAt,
  DELETE_NODES,
  DELETE_RELS,
  DROP_LEGACY_CONSTRAINT,
  LEGACY_CONSTRAINT,
  LOCK,
  q,
  RECORD_RUN,
  SCHEMA,
  SET_DOMAINS,
  SET_ORDINALS,
  SET_REL_DOMAINS,
  UPDATE_NODES,
  UPDATE_RELS,
} from './cypher.ts';
import { countRows, type ExistingNode, emptyPlan, type Plan, planLoad, planSize } from './diff.ts';
import { type ElementIds, elementIdsOf, readExisting } from './existing.ts';
import { ensureSchema, schemaNames } from './graph-schema.ts';
import { migrateLegacy } from './legacy.ts';
import { ensureOrdinals, type Placement, placeNodes } from './ordinals.ts';
import { baselineRelease, moveCurrent, readReleases, writeRelease } from './releases.ts';
import type { RelRow } from './rows.ts';
import type { GraphRows } from './transform.ts';
import { newStamps, unchangedSince } from './unchanged.ts';

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
export async function ensureAttackSchema(executor: Executor): Promise<void> {
  const present = await schemaNames(executor);
  // A graph from before releases: its nodes get a release, then the old constraint (and the index it
  // owns on stixId, which would block the new one) goes, before the new schema is created.
  if (present.has(LEGACY_CONSTRAINT)) {
    await migrateLegacy(executor);
    const drop = q('schema.dropLegacy', DROP_LEGACY_CONSTRAINT);
    await executor.write(drop.name, (tx) => tx.run(drop));
  }
  await ensureSchema(executor, SCHEMA, present);
  await ensureOrdinals(executor);
  await markDataChanges(executor);
}

/** Change records `r` without DATA_CHANGE or CHANGED_AT. */
const UNMARKED = `MATCH (r:${DATA_CHANGE_KINDS.join('|')}) WHERE NOT r:${DATA_CHANGE} OR r.${CHANGED_AT} IS NULL`;
const UNMARKED_CHANGES = q('import.unmarkedChanges', `RETURN EXISTS { ${UNMARKED} } AS found`);
const MARK_CHANGES = q(
  'import.markChanges',
  `${UNMARKED} SET r:${DATA_CHANGE}, r.${CHANGED_AT} = ${changedAt('r')}`,
);

/**
 * Gives DATA_CHANGE and CHANGED_AT to the change records of a graph from before them (one read when
 * all have them). Until then the data version counts only the records with the label and names the
 * newest of those with CHANGED_AT; it still moves exactly when a change commits.
 */
async function markDataChanges(executor: Executor): Promise<void> {
  const [row] = await executor.read(UNMARKED_CHANGES);
  if (row?.found !== true) return;
  await executor.write(MARK_CHANGES.name, (tx) => tx.run(MARK_CHANGES));
}

export interface RunInfo {
  source: string;
  location: string;
  sha256: string;
  attackVersion: string | null;
  startedAt: string;
  /** The snapshot the bundle is written to: its ATT&CK version, or `0` (see releases.ts). */
  release: string;
  /** The bundle's `modified` (its collection's, else its newest object's), for the :Release record. */
  modified: string | null;
  mode: 'default' | 'strict' | 'relaxed';
  /** An incremental pull: only what changed, so nothing absent from it is removed. */
  merge: boolean;
  /**
   * A whole bundle's rowsDigest (unchanged.ts): when the snapshot is as this domain's import of the
   * same rows left it, nothing is read or written. Null: always read and compare.
   */
  digest: string | null;
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
  /** The writes, with the change set of the import run (against the baseline, see loadRows). */
  plan: Plan;
  counts: ReturnType<typeof countRows>;
}

/** Rolls the transaction back when the bundle changes nothing, so a re-import writes nothing. */
class Unchanged extends Error {
  constructor(readonly plan: Plan) {
    super('unchanged');
  }
}

/** A plan's `versions` as written: none when it is empty (null removes the property). */
const storedList = (versions: string[]) => (versions.length ? versions : null);

/**
 * A new node's row: its labels (from NODE_LABELS, never from input) and every property, release
 * and bookkeeping included. `current`: the release is the newest held, so its nodes carry :Current
 * from the start (moveCurrent, when the release is a new newest, then finds nothing to add; otherwise
 * it does not run).
 */
export function nodeCreateRow(
  n: Plan['createNodes'][number],
  domain: string,
  release: string,
  current: boolean,
  ordinal: number | undefined,
) {
  const labels = ['AttackObject', ...NODE_LABELS[n.type], ...(current ? ['Current'] : [])];
  const bookkeeping = { release, hash: n.hash, domains: [domain], versions: storedList(n.versions), ordinal };
  return { labels, props: { ...n.props, ...bookkeeping } };
}

/** A new relationship's row: its type (one of REL_TYPES) and every property, bookkeeping included. */
export function relCreateRow(r: RelRow & { domains: string[]; versions: string[] }) {
  const { hash, domains, versions } = r;
  const props = { ...r.props, hash, domains, versions: storedList(versions) };
  return { type: r.type, from: r.from, to: r.to, props };
}

/**
 * The plan's statements up to its node writes, in the order they must run, each row cut to what its
 * statement reads (the driver encodes every value it is given). `placed`: each node's ordinal.
 */
function nodePhases(
  plan: Plan,
  domain: string,
  release: string,
  current: boolean,
  placed: Placement,
): Phase[] {
  const { ordinals, moved } = placed;
  // Grouped by type, in the order a statement per type wrote them.
  const createNodes = chunked(
    CREATE_NODES,
    'rows',
    [...groupBy(plan.createNodes, (n) => n.type).values()]
      .flat()
      .map((n) => nodeCreateRow(n, domain, release, current, ordinals.get(n.stixId))),
  );
  const updateNodes = plan.updateNodes.map((n) => ({
    ...n,
    versions: storedList(n.versions),
    ordinal: ordinals.get(n.stixId),
  }));
  const setDomains = plan.setDomains.map((n) => ({ ...n, versions: storedList(n.versions) }));
  return [
    {
      phase: 'delete relationships',
      detail: `${plan.deleteRels.length} relationships`,
      statements: chunked(DELETE_RELS, 'rows', plan.deleteRels, { release }),
    },
    {
      phase: 'write nodes',
      detail: `${plan.createNodes.length} new, ${plan.updateNodes.length} changed`,
      statements: [
        ...createNodes,
        ...chunked(UPDATE_NODES, 'rows', updateNodes, { release }),
        ...chunked(SET_DOMAINS, 'rows', setDomains, { release }),
        ...chunked(SET_ORDINALS, 'rows', moved, { release }),
      ],
    },
  ];
}

/**
 * The statements after the node writes. New relationships name their ends by element id (`ids`:
 * the snapshot's nodes as read, and those just created); an end it lacks is written by no row, as
 * a key that matches no node was before.
 */
function relPhases(plan: Plan, release: string, ids: ElementIds): Phase[] {
  const createRels = chunked(
    CREATE_RELS_BY_ID,
    'rows',
    [...groupBy(plan.createRels, (r) => r.type).values()].flat().map((r) => {
      const row = relCreateRow(r);
      return { ...row, from: ids.get(r.from) ?? null, to: ids.get(r.to) ?? null };
    }),
  );
  const updateRels = plan.updateRels.map(({ key, from, props, hash, domains, versions }) => ({
    key,
    from,
    props,
    hash,
    domains,
    versions: storedList(versions),
  }));
  const setRelDomains = plan.setRelDomains.map((r) => ({ ...r, versions: storedList(r.versions) }));
  return [
    {
      phase: 'write relationships',
      detail: `${plan.createRels.length} new, ${plan.updateRels.length} changed`,
      statements: [
        ...createRels,
        ...chunked(UPDATE_RELS, 'rows', updateRels, { release }),
        ...chunked(SET_REL_DOMAINS, 'rows', setRelDomains, { release }),
      ],
    },
    {
      phase: 'delete nodes',
      detail: `${plan.deleteNodes.length} objects`,
      statements: chunked(DELETE_NODES, 'ids', plan.deleteNodes, { release }),
    },
  ];
}

/** The snapshot a plan is written over, as readExisting read it: its nodes and their element ids. */
export type Snapshot = { nodes: ExistingNode[]; ids: ElementIds };

/** Every statement of the plan over `existing` in order, given the element ids of every node it writes relationships at. */
export function loadPhases(
  plan: Plan,
  domain: string,
  release: string,
  current: boolean,
  existing: Snapshot,
): Phase[] {
  const placed = placeNodes(existing.nodes, plan);
  return [...nodePhases(plan, domain, release, current, placed), ...relPhases(plan, release, existing.ids)];
}

/**
 * Runs the statements in order, each sent while the one before it runs (Bolt pipelines them in the
 * one transaction), so the client encodes the next batch while Neo4j writes the last. One ahead, not
 * all: the server then holds at most two statements' parameters besides the transaction's state.
 * Resolves with each statement's rows.
 */
async function runPhases(tx: WriteTx, phases: Phase[], onPhase: OnPhase): Promise<Row[][]> {
  const results: Promise<Row[]>[] = [];
  let running: Promise<unknown> = Promise.resolve();
  for (const p of phases) {
    onPhase(p.phase, p.detail);
    for (const s of p.statements) {
      const next = tx.run(s.query, s.params);
      // Awaited on the next turn; if `running` fails first, this one fails after it, unobserved.
      next.catch(() => {});
      await running;
      running = next;
      results.push(next);
    }
  }
  await running;
  return Promise.all(results);
}

/**
 * Writes the plan over the snapshot `existing`: the nodes in their places, then (once the new nodes'
 * element ids are back) the relationships.
 */
export async function apply(
  tx: WriteTx,
  plan: Plan,
  domain: string,
  release: string,
  onPhase: OnPhase,
  current: boolean,
  existing: Snapshot,
) {
  const phases = nodePhases(plan, domain, release, current, placeNodes(existing.nodes, plan));
  const results = await runPhases(tx, phases, onPhase);
  const all = new Map(existing.ids);
  const statements = phases.flatMap((p) => p.statements);
  statements.forEach((s, i) => {
    if (s.query !== CREATE_NODES) return;
    for (const [stixId, id] of elementIdsOf(results[i] ?? [], CREATE_NODES)) all.set(stixId, id);
  });
  await runPhases(tx, relPhases(plan, release, all), onPhase);
}

/**
 * Loads one domain's rows into the snapshot of `info.release`, in a single write transaction: readers
 * see the old graph until it commits, and a killed importer or a dead server leaves it as it was.
 * The writes are the diff against that snapshot (nothing when it holds the bundle already); the
 * import run's change set is the diff against the domain's baseline release (baselineRelease), so
 * 17.1 then 18.1 records what changed from 17.1 to 18.1 although 18.1 is written beside 17.1.
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
      const { release } = info;
      // Read under the lock, before the snapshot: a stamp read then dates what readExisting reads.
      const held = await readReleases(tx);
      if (info.digest && unchangedSince(held, rows.domain, release, info.digest))
        throw new Unchanged(emptyPlan());
      const existing = await readExisting(tx, release);
      const plan = planLoad(rows, existing.nodes, existing.rels, { merge: info.merge });
      const size = planSize(plan);
      // The release will be the newest held (moveCurrent): its new nodes are created :Current.
      const heldReleases = held.map((h) => h.release);
      const releases = [...heldReleases, release];
      const current = newestRelease(releases) === release;
      const before = newestRelease(heldReleases);
      // :Current moves only to a release newer than the newest held. Otherwise every node of the
      // newest release has it, and this import's new nodes were created with it or are older.
      const moves = current && before !== null && before !== release;
      if (size > 0) await apply(tx, plan, rows.domain, release, onPhase, current, existing);
      const after = (await info.afterWrites?.(tx)) ?? { written: 0, run: {} };
      if (size === 0 && after.written === 0) throw new Unchanged(plan);
      const baseline = baselineRelease(held, rows.domain, release);
      // The change set: the writes themselves on a re-import, else the diff against the baseline.
      let changes = plan;
      let nodesBefore = existing.nodes.length;
      // Against no baseline, an empty snapshot's plan is that diff already (a first import).
      const planned = baseline === null && existing.nodes.length === 0 && existing.rels.length === 0;
      if (baseline !== release && !planned) {
        const before = baseline ? await readExisting(tx, baseline) : { nodes: [], rels: [] };
        changes = planLoad(rows, before.nodes, before.rels, { merge: info.merge });
        nodesBefore = before.nodes.length;
      }
      onPhase('commit');
      const runId = randomUUID();
      const finishedAt = new Date().toISOString();
      const stamps = newStamps(held, rows.domain, release, runId);
      // Independent of each other: sent together, run in this order by the transaction.
      await Promise.all([
        writeRelease(
          tx,
          { domain: rows.domain, release },
          {
            modified: info.modified,
            importedAt: finishedAt,
            stamp: stamps.stamp,
            ...(info.digest ? { digest: info.digest, seen: stamps.seen } : {}),
          },
        ),
        // What moveCurrent would read: the releases held before this import, and this one.
        moves ? moveCurrent(tx, releases) : null,
        tx.run(RECORD_RUN, {
          run: {
            ...runRecord(runId, rows.domain, info, changes, counts, nodesBefore, finishedAt),
            ...after.run,
          },
        }),
      ]);
      const result = { ...plan, changes: changes.changes, relationshipChanges: changes.relationshipChanges };
      return { runId, changed: true, plan: result, counts };
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
  finishedAt: string,
) {
  // The first import of an empty graph adds everything; listing it all would say nothing.
  const initial = plan.changes.every((c) => c.change === 'added') && nodesBefore === 0;
  return {
    id,
    domain,
    attackVersion: info.attackVersion,
    release: info.release,
    source: info.source,
    location: info.location,
    sha256: info.sha256,
    mode: info.merge ? `${info.mode}, incremental` : info.mode,
    startedAt: info.startedAt,
    finishedAt,
    countsJson: JSON.stringify(counts),
    summaryJson: JSON.stringify(summarize(plan.changes)),
    changesJson: initial ? null : JSON.stringify(plan.changes),
    relationshipChangesJson: initial ? null : JSON.stringify(plan.relationshipChanges),
  };
}
