/**
 * The main pass, one class at a time: check the answer (against the raw Cypher twin and the peer,
 * or the class's own check), then time it over HTTP, as raw Cypher and through the peer, in turns.
 */
import type { Driver } from 'neo4j-driver';
import { type Answer, fail, firstDifference, graphqlAt } from './answers.ts';
import { type LoadOptions, type LoadResult, loadCypher, loadHttp, mergeLoads } from './load.ts';
import { type QueryClass, selectionDepth } from './queries.ts';
import type { ClassResult, Results } from './report.ts';

export interface QueryPass {
  /** Our API's and the peer's GraphQL endpoints. */
  api: string;
  peer: string;
  driver: Driver;
  database: string;
  /** The root query fields our schema has: a class that needs another is reported as pending. */
  rootFields: ReadonlySet<string>;
  /** Whether the graph holds the 17.1 → 18.1 history (full run only). */
  hasHistory: boolean;
}

export interface Points {
  load: Omit<LoadOptions, 'concurrency'>;
  concurrency: readonly number[];
  cypherConcurrency: readonly number[];
}

type Kind = ClassResult['kind'];
export type Measured =
  | { result: ClassResult; answer: unknown; text: string }
  | { pending: Results['pending'][number] };

const graphql = (url: string, c: QueryClass): Promise<Answer> => graphqlAt(url, c.graphql, c.variables);

/** Why the class cannot run against this API and graph, if it cannot. */
function pendingNote(pass: QueryPass, c: QueryClass): string | undefined {
  if (c.requires && !pass.rootFields.has(c.requires))
    return `n/a: Query.${c.requires} is not in the schema yet`;
  if (c.needsHistory && !pass.hasHistory) {
    return 'n/a in --quick: needs the 17.1 → 18.1 import history that only the full run imports';
  }
  return undefined;
}

/**
 * Asks the class's question until its answer is the steady state's, and checks it. The first
 * request after an import also loads the per-import analyst sets (one round trip more), so the
 * checked answer is the second, which every timed response must equal.
 */
async function checkAnswer(pass: QueryPass, c: QueryClass): Promise<Answer> {
  const cold = await graphql(pass.api, c);
  const answer = await graphql(pass.api, c);
  const coldDifference = firstDifference(cold.body.data, answer.body.data);
  if (coldDifference) fail(`${c.name}: the first and second answers differ at ${coldDifference}`);
  const roundTrips = answer.body.extensions?.dbRoundTrips;
  if (!c.twin) {
    const problem = c.check ? c.check(answer.body.data) : 'no raw Cypher twin and no check';
    if (problem) fail(`${c.name}: wrong answer (${problem}): ${answer.text.slice(0, 1000)}`);
    console.error(`query: ${c.name}: answer checked (no twin); ${roundTrips} round trips; timing`);
    return answer;
  }
  const { records } = await pass.driver.executeQuery(c.twin.cypher, c.twin.params, {
    database: pass.database,
  });
  const mine = c.twin.fromGraphql(answer.body.data);
  const difference = firstDifference(mine, c.twin.fromCypher(records.map((r) => r.toObject())));
  if (difference) fail(`${c.name}: the GraphQL and raw Cypher answers differ at ${difference}`);
  if (JSON.stringify(mine).length < 20) fail(`${c.name}: suspiciously empty answer ${JSON.stringify(mine)}`);
  if (c.peer) {
    const theirs = c.peer.fromPeer((await graphqlAt(pass.peer, c.peer.graphql, c.peer.variables)).body.data);
    const peerDifference = firstDifference(mine, theirs);
    if (peerDifference) fail(`${c.name}: our answer and the peer's differ at ${peerDifference}`);
  }
  console.error(
    `query: ${c.name}: answers agree${c.peer ? ' (raw Cypher and peer)' : ''}; ${roundTrips} round trips; timing`,
  );
  return answer;
}

/**
 * Each point is measured in this many slices, the contenders taking turns (ours, raw Cypher, the
 * peer, then the next order rotated by one), so that all three see the same machine and Neo4j: timed
 * one after the other, the first would meet a colder Neo4j and the last whatever load came after.
 */
const SLICES = 4;

interface Contender {
  name: string;
  at: readonly number[];
  into: LoadResult[];
  load: (options: LoadOptions) => Promise<LoadResult>;
}

/** Ours, raw Cypher and the peer, interleaved at each concurrency: every response must be the checked one. */
async function time(pass: QueryPass, c: QueryClass, text: string, points: Points, result: ClassResult) {
  const request = JSON.stringify({ query: c.graphql, variables: c.variables });
  const contenders: Contender[] = [
    {
      name: c.name,
      at: points.concurrency,
      into: result.http,
      load: (o) => loadHttp(pass.api, request, text, o),
    },
  ];
  if (c.twin) {
    const { cypher, params } = c.twin;
    contenders.push({
      name: `${c.name} (Cypher)`,
      at: points.cypherConcurrency,
      into: result.cypherLoad,
      load: (o) => loadCypher(pass.driver, pass.database, cypher, params, o),
    });
  }
  if (c.peer) {
    const first = await graphqlAt(pass.peer, c.peer.graphql, c.peer.variables);
    const peerRequest = JSON.stringify({ query: c.peer.graphql, variables: c.peer.variables });
    contenders.push({
      name: `${c.name} (peer)`,
      at: points.concurrency,
      into: result.peerLoad,
      load: (o) => loadHttp(pass.peer, peerRequest, first.text, o),
    });
  }
  const levels = [...new Set([...points.concurrency, ...points.cypherConcurrency])].sort((a, b) => a - b);
  for (const n of levels) {
    const here = contenders.filter((k) => k.at.includes(n));
    const slices = new Map<Contender, LoadResult[]>(here.map((k) => [k, []]));
    for (let slice = 0; slice < SLICES; slice++) {
      for (let i = 0; i < here.length; i++) {
        const k = here[(slice + i) % here.length] as Contender;
        // Each contender warms up once, before its first slice.
        const warmupSeconds = slice === 0 ? points.load.warmupSeconds : 0;
        const r = await k.load({ concurrency: n, seconds: points.load.seconds / SLICES, warmupSeconds });
        slices.get(k)?.push(r);
      }
    }
    for (const k of here) {
      const r = mergeLoads(slices.get(k) ?? []);
      if (r.failures > 0) fail(`${k.name} at concurrency ${n}: ${r.failures} failed or wrong responses`);
      k.into.push(r);
    }
  }
}

/** One class of the main pass: checked, then timed; or pending when this API or graph cannot ask it. */
export async function measureClass(
  pass: QueryPass,
  c: QueryClass,
  kind: Kind,
  points: Points,
): Promise<Measured> {
  const note = pendingNote(pass, c);
  if (note) {
    console.error(`query: ${c.name}: skipped (${note})`);
    return { pending: { name: c.name, kind, note } };
  }
  const { text, body } = await checkAnswer(pass, c);
  const result: ClassResult = {
    name: c.name,
    kind,
    title: c.title,
    graphql: c.graphql,
    cypher: c.twin?.cypher,
    depth: selectionDepth(c.graphql),
    dbRoundTrips: body.extensions?.dbRoundTrips ?? Number.NaN,
    responseBytes: Buffer.byteLength(text),
    http: [],
    cypherLoad: [],
    peerLoad: [],
  };
  await time(pass, c, text, points, result);
  return { result, answer: body.data, text };
}
