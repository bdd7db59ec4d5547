import type { ReadExecutor } from '../neo4j/executor.ts';
import { tactics, tacticsOrder } from './objects.ts';
import {
  addNestedParams,
  type Level,
  levelKey,
  type NestedPage,
  nestedItems,
  nestedPageOf,
  type RelatedItem,
  relatedPage,
} from './related.ts';
import {
  isNamed,
  type NodeRow,
  type Page,
  type Projection,
  project,
  q,
  type ReleaseArg,
  releaseParams,
  rowsAs,
  shapes,
  type Visibility,
  visibilityParams,
} from './rows.ts';

/*
 * The matrix in one statement: the tactics, each tactic's page of techniques, and each of those
 * techniques' page of sub-techniques. Read level by level it costs a round trip per level, and
 * each later one is a transaction of its own; here it is one statement, which is also trivially
 * one graph state. Each level runs its relation's own body (see `nestedItems`), so its pages are
 * those the level's loader would have read. A technique's page of sub-techniques is read from the
 * technique's node as its item is listed and travels in that item (as @neo4j/graphql nests a
 * level): the technique is not found again by its key, and its key is not sent twice.
 */

/** Where the nested levels' parameters live in the statement. */
const TECHNIQUES = 'techniques';
const SUBTECHNIQUES = 'subtechniques';
/** The item key that carries a technique's page of sub-techniques. */
const SUB = 'sub';

/**
 * For each listed technique `n`, its page of sub-techniques as `sub`. The level's body declares `n`
 * again, so it needs a scope that sees the technique as `p` only: in Neo4j 5.26 a `MATCH` in a
 * subquery binds a name that was in scope where the subquery began, even one a `WITH` dropped
 * since (`CALL (n) { WITH n AS p MATCH (p)<--(n) ... }` finds `n` itself). Hence the second `CALL`.
 */
const subtechniquesOf = (subtechniques: Level) => `
  CALL (n) {
    WITH n AS p
    CALL (p) {
      WITH ${nestedItems(subtechniques, SUBTECHNIQUES)} AS items
      RETURN ${nestedPageOf(subtechniques, SUBTECHNIQUES, 'items')} AS ${SUB}
    }
    RETURN ${SUB}
  }`;

const matrixQuery = shapes(
  (named: boolean, keys: Projection, techniques: Level, subtechniques?: Level) =>
    [named, keys.join(','), levelKey(techniques), subtechniques ? levelKey(subtechniques) : '-'].join('|'),
  (named: boolean, keys: Projection, techniques: Level, subtechniques?: Level) =>
    q(
      'objects.tactics.matrix',
      `${tactics(named)}
   WITH n AS p, position
   WITH p, position, ${nestedItems(
     techniques,
     TECHNIQUES,
     subtechniques && { clause: subtechniquesOf(subtechniques), as: SUB },
   )} AS items
   ${tacticsOrder('p')}
   RETURN ${project('p', keys)} AS node, ${nestedPageOf(techniques, TECHNIQUES, 'items')} AS page`,
    ),
);

/** A technique's item, with its page of sub-techniques when that level was read. */
type TechniqueItem = RelatedItem & { [SUB]?: NestedPage };

interface MatrixRow {
  node: NodeRow;
  page: NestedPage;
}

export interface Matrix {
  tactics: NodeRow[];
  /** Each tactic's page of techniques, with the tactic's row. */
  techniques: [NodeRow, Page<RelatedItem>][];
  /** Each listed technique's page of sub-techniques, with the technique's row (empty without that level). */
  subtechniques: [NodeRow, Page<RelatedItem>][];
}

/** The tactics (`keys` of each) with their techniques' and, when given, sub-techniques' pages: one round trip. */
export async function fetchMatrix(
  db: ReadExecutor,
  options: Visibility & { release?: ReleaseArg },
  keys: Projection,
  techniques: Level,
  subtechniques?: Level,
): Promise<Matrix> {
  const params = addNestedParams(
    { ...visibilityParams(options), ...releaseParams(options.release) },
    techniques,
    TECHNIQUES,
  );
  if (subtechniques) addNestedParams(params, subtechniques, SUBTECHNIQUES);
  const rows = await db.read(matrixQuery(isNamed(options.release), keys, techniques, subtechniques), params);
  const out: Matrix = { tactics: [], techniques: [], subtechniques: [] };
  for (const row of rowsAs<MatrixRow>(rows)) {
    out.tactics.push(row.node);
    const page = relatedPage(row.page, techniques.reads);
    out.techniques.push([row.node, page]);
    for (const item of page.items as TechniqueItem[]) {
      const sub = item[SUB];
      if (sub && subtechniques) out.subtechniques.push([item.node, relatedPage(sub, subtechniques.reads)]);
    }
  }
  return out;
}
