import type { ReadExecutor } from '../neo4j/executor.ts';
import { TACTICS, TACTICS_ORDER } from './objects.ts';
import { type Level, type NestedPage, nestedPage, nestedParams, type RelatedItem } from './related.ts';
import {
  type NodeRow,
  type Page,
  type Projection,
  pageFrom,
  project,
  q,
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
 * those the level's loader would have read.
 */

/** Where the nested levels' parameters live in the statement. */
const TECHNIQUES = 'techniques';
const SUBTECHNIQUES = 'subtechniques';

const levelKey = (level: Level | undefined) => (level ? `${level.of.name}|${level.reads.key}` : '-');

const matrixQuery = shapes(
  (keys: Projection, techniques: Level, subtechniques?: Level) =>
    [keys.join(','), levelKey(techniques), levelKey(subtechniques)].join('|'),
  (keys: Projection, techniques: Level, subtechniques?: Level) =>
    q(
      'objects.tactics.matrix',
      `${TACTICS}
   WITH n, position, n AS p
   ${nestedPage(techniques, TECHNIQUES, ['n', 'position'], 'page')}
   ${
     subtechniques
       ? `CALL (page) {
     UNWIND page.items AS item
     MATCH (p:AttackObject {stixId: item.node.stixId})
     ${nestedPage(subtechniques, SUBTECHNIQUES, ['p'], 'sub')}
     RETURN collect({id: p.stixId, page: sub}) AS pages
   }`
       : 'WITH n, position, page, [] AS pages'
   }
   ${TACTICS_ORDER}
   RETURN ${project('n', keys)} AS node, page, pages`,
    ),
);

interface MatrixRow {
  node: NodeRow;
  page: NestedPage;
  pages: { id: string; page: NestedPage }[];
}

export interface Matrix {
  tactics: NodeRow[];
  /** Each tactic's page of techniques, by the tactic's STIX id. */
  techniques: Map<string, Page<RelatedItem>>;
  /** Each technique's page of sub-techniques, by the technique's STIX id (empty without that level). */
  subtechniques: Map<string, Page<RelatedItem>>;
}

/** The tactics (`keys` of each) with their techniques' and, when given, sub-techniques' pages: one round trip. */
export async function fetchMatrix(
  db: ReadExecutor,
  options: Visibility,
  keys: Projection,
  techniques: Level,
  subtechniques?: Level,
): Promise<Matrix> {
  const rows = await db.read(matrixQuery(keys, techniques, subtechniques), {
    ...visibilityParams(options),
    ...nestedParams(techniques, TECHNIQUES),
    ...(subtechniques ? nestedParams(subtechniques, SUBTECHNIQUES) : {}),
  });
  const out: Matrix = { tactics: [], techniques: new Map(), subtechniques: new Map() };
  for (const row of rowsAs<MatrixRow>(rows)) {
    out.tactics.push(row.node);
    out.techniques.set(row.node.stixId, pageFrom(row.page));
    for (const { id, page } of row.pages) out.subtechniques.set(id, pageFrom(page));
  }
  return out;
}
