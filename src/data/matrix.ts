import type { ReadExecutor } from '../neo4j/executor.ts';
import { TACTICS_ORDER, tactics } from './objects.ts';
import {
  addNestedParams,
  type Level,
  levelKey,
  type NestedPage,
  nestedPage,
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
 * one graph state. Each level runs its relation's own body (see `nestedPage`), so its pages are
 * those the level's loader would have read. A technique's page of sub-techniques is read from the
 * technique's node as its item is listed and travels in that item (as @neo4j/graphql nests a
 * level): the technique is not found again by its key, and its key is not sent twice.
 */

/** Where the nested levels' parameters live in the statement. */
const TECHNIQUES = 'techniques';
const SUBTECHNIQUES = 'subtechniques';
/** The item key that carries a technique's page of sub-techniques. */
const SUB = 'sub';

/** For each listed technique `n`, its page of sub-techniques as `sub`. */
const subtechniquesOf = (subtechniques: Level) => `
  CALL (n) {
    WITH n AS p
    ${nestedPage(subtechniques, SUBTECHNIQUES, [], SUB)}
    RETURN ${SUB}
  }`;

const matrixQuery = shapes(
  (named: boolean, keys: Projection, techniques: Level, subtechniques?: Level) =>
    [named, keys.join(','), levelKey(techniques), subtechniques ? levelKey(subtechniques) : '-'].join('|'),
  (named: boolean, keys: Projection, techniques: Level, subtechniques?: Level) =>
    q(
      'objects.tactics.matrix',
      `${tactics(named)}
   WITH n, position, n AS p
   ${nestedPage(
     techniques,
     TECHNIQUES,
     ['n', 'position'],
     'page',
     subtechniques && { clause: subtechniquesOf(subtechniques), as: SUB },
   )}
   ${TACTICS_ORDER}
   RETURN ${project('n', keys)} AS node, page`,
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
