/**
 * The query classes the benchmark times. A core class asks one question twice: as GraphQL over HTTP
 * and as one hand-written Cypher query. Both answers are normalised (sorted ID lists, counts) and
 * must be equal before anything is timed. The analyst classes (one per analyst query family in the
 * README) are timed over HTTP only, unless a raw Cypher twin is straightforward (overlap); without
 * one, the answer must have no errors and pass the class's `check` (not empty, no unknown IDs).
 */

import { Kind, parse, type SelectionSetNode } from 'graphql';

export type Json = unknown;
type Rec = Record<string, unknown>;

export interface CypherTwin {
  cypher: string;
  params: Rec;
  /** The GraphQL `data` to a comparable value. */
  fromGraphql(data: Json): Json;
  /** The Cypher rows (`record.toObject()`) to the same comparable value. */
  fromCypher(rows: Rec[]): Json;
}

/**
 * The same question asked of the peer, `@neo4j/graphql` over the same graph (bench/peer/). Its
 * answer, normalised by `fromPeer` into the twin's comparable form, must equal ours before timing.
 */
export interface PeerQuery {
  graphql: string;
  variables: Rec;
  fromPeer(data: Json): Json;
}

export interface QueryClass {
  name: string;
  /** What the class stands for, in the report. */
  title: string;
  graphql: string;
  variables: Rec;
  /** The same answer through raw Cypher; without one the class reports no ratio. */
  twin?: CypherTwin;
  /** The same question for `@neo4j/graphql`; compared with the twin's normalised GraphQL answer. */
  peer?: PeerQuery;
  /** Without a twin: what is wrong with the GraphQL `data` (empty, unknown IDs), or undefined. */
  check?(data: Json): string | undefined;
  /** A root field the class needs; when the running API lacks it, the class is reported as pending. */
  requires?: string;
  /** Needs the 17.1 → 18.1 import history (only the full run imports it). */
  needsHistory?: boolean;
}

/** Hidden unless asked: the API's default visibility, spelt out for the raw queries. */
const current = (x: string) => `NOT coalesce(${x}.revoked, false) AND NOT coalesce(${x}.deprecated, false)`;

const ids = (list: unknown): string[] =>
  ((list ?? []) as Array<{ attackId: string }>).map((n) => n.attackId).sort();
const sorted = (list: unknown): string[] => [...((list ?? []) as string[])].sort();
const obj = (v: unknown) => v as Rec;
const conn = (c: unknown) => {
  const { totalCount, nodes } = obj(c) as { totalCount: number; nodes: unknown };
  return { totalCount, ids: ids(nodes) };
};
const list = (v: unknown) => {
  const s = sorted(v);
  return { totalCount: s.length, ids: s };
};

/** The peer's filters for what the API hides: revoked or deprecated nodes and relationships. */
const PEER_CURRENT = 'revoked: { eq: false }, deprecated: { eq: false }';
const peerEdges = (field: string, select = 'attackId') =>
  `${field}Connection(where: { node: { ${PEER_CURRENT} }, edge: { ${PEER_CURRENT} } }) { edges { node { ${select} } } }`;
/** Node ATT&CK IDs of a peer connection (`edges { node { attackId } }`) or list. */
const peerIds = (v: unknown): string[] => {
  const edges = (obj(v) as { edges?: Rec[] } | undefined)?.edges;
  const nodes = edges ? edges.map((e) => obj(e.node)) : ((v ?? []) as Rec[]);
  return nodes.map((n) => n.attackId as string);
};
/** Distinct and sorted, as the API's lists are sets of nodes (the peer returns one per relationship). */
const distinct = (xs: string[]) => [...new Set(xs)].sort();
const peerList = (v: unknown) => list(distinct(peerIds(v)));

const TECHNIQUE = 'T1003'; // OS Credential Dumping: sub-techniques, many groups, software, mitigations
const GROUP = 'G0016'; // APT29: direct uses, attributed campaigns and software

const lookup: QueryClass = {
  name: 'lookup',
  title: 'Technique by ATT&CK ID',
  graphql: `query Lookup($id: String!) {
  technique(attackId: $id) { stixId attackId name platforms }
}`,
  variables: { id: TECHNIQUE },
  twin: {
    cypher: `MATCH (n:AttackObject:Technique:Current {attackId: $id})
RETURN n.stixId AS stixId, n.attackId AS attackId, n.name AS name, n.platforms AS platforms
ORDER BY CASE WHEN ${current('n')} THEN 0 ELSE 1 END, n.modified DESC LIMIT 1`,
    params: { id: TECHNIQUE },
    fromGraphql: (data) => obj(data).technique,
    fromCypher: (rows) => rows[0] ?? null,
  },
  peer: {
    graphql: `query PeerLookup($id: String!) {
  techniques(where: { attackId: { eq: $id }, ${PEER_CURRENT} }) { stixId attackId name platforms }
}`,
    variables: { id: TECHNIQUE },
    fromPeer: (data) => (obj(data).techniques as Rec[])[0] ?? null,
  },
};

const techniquePage: QueryClass = {
  name: 'technique-one-hop',
  title: 'Technique with its one-hop lists',
  graphql: `query TechniquePage($id: String!) {
  technique(attackId: $id) {
    attackId name
    tactics { totalCount nodes { attackId } }
    parent { attackId }
    subtechniques(first: 1000) { totalCount nodes { attackId } }
    groups(first: 1000) { totalCount nodes { attackId } }
    software(first: 1000) { totalCount nodes { attackId } }
    campaigns(first: 1000) { totalCount nodes { attackId } }
    mitigations(first: 1000) { totalCount nodes { attackId } }
    detectionStrategies(first: 1000) { totalCount nodes { attackId } }
  }
}`,
  variables: { id: TECHNIQUE },
  twin: {
    cypher: `MATCH (t:AttackObject:Technique:Current {attackId: $id}) WHERE ${current('t')}
RETURN t.attackId AS attackId, t.name AS name,
  COLLECT { MATCH (t)-[:IN_TACTIC]->(n:Tactic) WHERE ${current('n')} RETURN n.attackId } AS tactics,
  COLLECT { MATCH (t)-[:SUBTECHNIQUE_OF]->(n:Technique) WHERE ${current('n')} RETURN n.attackId } AS parent,
  COLLECT { MATCH (t)<-[:SUBTECHNIQUE_OF]-(n:Technique) WHERE ${current('n')} RETURN n.attackId } AS subtechniques,
  COLLECT { MATCH (t)<-[r:USES]-(n:Group) WHERE ${current('n')} AND ${current('r')} RETURN DISTINCT n.attackId } AS groups,
  COLLECT { MATCH (t)<-[r:USES]-(n:Software) WHERE ${current('n')} AND ${current('r')} RETURN DISTINCT n.attackId } AS software,
  COLLECT { MATCH (t)<-[r:USES]-(n:Campaign) WHERE ${current('n')} AND ${current('r')} RETURN DISTINCT n.attackId } AS campaigns,
  COLLECT { MATCH (t)<-[r:MITIGATES]-(n:Mitigation) WHERE ${current('n')} AND ${current('r')} RETURN DISTINCT n.attackId } AS mitigations,
  COLLECT { MATCH (t)<-[:DETECTS]-(n:DetectionStrategy) WHERE ${current('n')} RETURN DISTINCT n.attackId } AS detectionStrategies`,
    params: { id: TECHNIQUE },
    fromGraphql: (data) => {
      const t = obj(obj(data).technique);
      return {
        attackId: t.attackId,
        name: t.name,
        tactics: conn(t.tactics),
        parent: t.parent ? [obj(t.parent).attackId] : [],
        subtechniques: conn(t.subtechniques),
        groups: conn(t.groups),
        software: conn(t.software),
        campaigns: conn(t.campaigns),
        mitigations: conn(t.mitigations),
        detectionStrategies: conn(t.detectionStrategies),
      };
    },
    fromCypher: (rows) => {
      const t = rows[0] ?? {};
      return {
        attackId: t.attackId,
        name: t.name,
        tactics: list(t.tactics),
        parent: t.parent,
        subtechniques: list(t.subtechniques),
        groups: list(t.groups),
        software: list(t.software),
        campaigns: list(t.campaigns),
        mitigations: list(t.mitigations),
        detectionStrategies: list(t.detectionStrategies),
      };
    },
  },
  peer: {
    graphql: `query PeerTechniquePage($id: String!) {
  techniques(where: { attackId: { eq: $id }, ${PEER_CURRENT} }) {
    attackId name
    tactics(where: { ${PEER_CURRENT} }) { attackId }
    parent(where: { ${PEER_CURRENT} }) { attackId }
    subtechniques(where: { ${PEER_CURRENT} }) { attackId }
    ${peerEdges('groups')}
    ${peerEdges('software')}
    ${peerEdges('campaigns')}
    ${peerEdges('mitigations')}
    detectionStrategies(where: { ${PEER_CURRENT} }) { attackId }
  }
}`,
    variables: { id: TECHNIQUE },
    fromPeer: (data) => {
      const t = obj((obj(data).techniques as Rec[])[0]);
      return {
        attackId: t.attackId,
        name: t.name,
        tactics: peerList(t.tactics),
        parent: distinct(peerIds(t.parent)),
        subtechniques: peerList(t.subtechniques),
        groups: peerList(t.groupsConnection),
        software: peerList(t.softwareConnection),
        campaigns: peerList(t.campaignsConnection),
        mitigations: peerList(t.mitigationsConnection),
        detectionStrategies: peerList(t.detectionStrategies),
      };
    },
  },
};

const headline: QueryClass = {
  name: 'tactic-groups',
  title: 'Headline: credential-access → groups, with their techniques',
  graphql: `query Headline {
  tactic(shortname: "credential-access") {
    groups { totalCount edges { node { attackId } techniques { attackId } } }
  }
}`,
  variables: {},
  twin: {
    cypher: `MATCH (ta:AttackObject:Tactic:Current {shortname: $shortname}) WHERE 'enterprise-attack' IN ta.domains
MATCH (ta)<-[:IN_TACTIC]-(t:Technique)<-[r:USES]-(g:Group)
WHERE ${current('t')} AND ${current('r')} AND ${current('g')}
RETURN g.attackId AS group, collect(DISTINCT t.attackId) AS techniques
ORDER BY group`,
    params: { shortname: 'credential-access' },
    fromGraphql: (data) => {
      const groups = obj(obj(obj(data).tactic).groups) as { totalCount: number; edges: Rec[] };
      return {
        totalCount: groups.totalCount,
        groups: groups.edges.map((e) => `${obj(e.node).attackId}: ${ids(e.techniques).join(' ')}`).sort(),
      };
    },
    fromCypher: (rows) => ({
      totalCount: rows.length,
      groups: rows.map((r) => `${r.group}: ${sorted(r.techniques).join(' ')}`).sort(),
    }),
  },
  // The peer has no group list on a tactic: it walks tactic → techniques → groups, and the
  // normaliser turns that inside out (what a client of the peer would have to do).
  peer: {
    graphql: `query PeerHeadline {
  tactics(where: { shortname: { eq: "credential-access" }, domains: { includes: "enterprise-attack" } }) {
    techniques(where: { ${PEER_CURRENT} }) { attackId ${peerEdges('groups')} }
  }
}`,
    variables: {},
    fromPeer: (data) => {
      const byGroup = new Map<string, string[]>();
      for (const ta of obj(data).tactics as Rec[]) {
        for (const t of ta.techniques as Rec[]) {
          for (const g of peerIds(t.groupsConnection)) {
            byGroup.set(g, [...(byGroup.get(g) ?? []), t.attackId as string]);
          }
        }
      }
      return {
        totalCount: byGroup.size,
        groups: [...byGroup].map(([g, ts]) => `${g}: ${distinct(ts).join(' ')}`).sort(),
      };
    },
  },
};

const groupTechniques: QueryClass = {
  name: 'group-techniques-via',
  title: 'Group techniques, via DIRECT + CAMPAIGN + SOFTWARE',
  graphql: `query GroupTechniques($id: String!) {
  group(attackId: $id) {
    techniques(via: [DIRECT, CAMPAIGN, SOFTWARE], first: 1000) {
      totalCount edges { via node { attackId } }
    }
  }
}`,
  variables: { id: GROUP },
  twin: {
    cypher: `MATCH (g:AttackObject:Group:Current {attackId: $id}) WHERE ${current('g')}
CALL (g) {
  MATCH (g)-[r:USES]->(t:Technique) WHERE ${current('r')}
  RETURN t, 'DIRECT' AS via
  UNION
  MATCH (g)<-[a:ATTRIBUTED_TO]-(c:Campaign)-[r:USES]->(t:Technique)
  WHERE ${current('a')} AND ${current('c')} AND ${current('r')}
  RETURN t, 'CAMPAIGN' AS via
  UNION
  MATCH (g)-[u:USES]->(s:Software)-[r:USES]->(t:Technique)
  WHERE ${current('u')} AND ${current('s')} AND ${current('r')}
  RETURN t, 'SOFTWARE' AS via
}
WITH t, via WHERE ${current('t')}
RETURN t.attackId AS technique, collect(DISTINCT via) AS via`,
    params: { id: GROUP },
    fromGraphql: (data) => {
      const c = obj(obj(obj(data).group).techniques) as { totalCount: number; edges: Rec[] };
      return {
        totalCount: c.totalCount,
        techniques: c.edges.map((e) => `${obj(e.node).attackId} ${sorted(e.via).join('+')}`).sort(),
      };
    },
    fromCypher: (rows) => ({
      totalCount: rows.length,
      techniques: rows.map((r) => `${r.technique} ${sorted(r.via).join('+')}`).sort(),
    }),
  },
  peer: {
    graphql: `query PeerGroupTechniques($id: String!) {
  groups(where: { attackId: { eq: $id }, ${PEER_CURRENT} }) {
    ${peerEdges('techniques')}
    ${peerEdges('campaigns', peerEdges('techniques'))}
    ${peerEdges('software', peerEdges('techniques'))}
  }
}`,
    variables: { id: GROUP },
    fromPeer: (data) => {
      const g = obj((obj(data).groups as Rec[])[0]);
      const via = new Map<string, Set<string>>();
      const add = (path: string, ids: string[]) => {
        for (const id of ids) via.set(id, new Set([...(via.get(id) ?? []), path]));
      };
      add('DIRECT', peerIds(g.techniquesConnection));
      for (const [path, field] of [
        ['CAMPAIGN', 'campaignsConnection'],
        ['SOFTWARE', 'softwareConnection'],
      ] as const) {
        for (const e of (obj(g[field]) as { edges: Rec[] }).edges)
          add(path, peerIds(obj(e.node).techniquesConnection));
      }
      return {
        totalCount: via.size,
        techniques: [...via].map(([t, paths]) => `${t} ${[...paths].sort().join('+')}`).sort(),
      };
    },
  },
};

// Pages sized to hold every answer (the largest tactic has under 100 techniques, no technique
// 100 sub-techniques) while staying inside the API's query cost limit.
const matrix: QueryClass = {
  name: 'matrix',
  title: 'Whole enterprise matrix: tactics → techniques → sub-techniques',
  graphql: `query Matrix {
  tactics(domain: ENTERPRISE) {
    attackId shortname
    techniques(first: 500) {
      totalCount
      nodes { attackId subtechniques { nodes { attackId } } }
    }
  }
}`,
  variables: {},
  twin: {
    cypher: `MATCH (m:Matrix:Current)-[h:HAS_TACTIC]->(ta:Tactic)
WHERE 'enterprise-attack' IN ta.domains AND ${current('m')} AND ${current('ta')}
WITH ta, min(h.order) AS position ORDER BY position
RETURN ta.attackId AS attackId, ta.shortname AS shortname,
  COLLECT {
    MATCH (ta)<-[:IN_TACTIC]-(t:Technique)
    WHERE ${current('t')} AND NOT coalesce(t.isSubtechnique, false)
    RETURN DISTINCT {
      attackId: t.attackId,
      subtechniques: COLLECT { MATCH (t)<-[:SUBTECHNIQUE_OF]-(s:Technique) WHERE ${current('s')} RETURN s.attackId }
    }
  } AS techniques`,
    params: {},
    fromGraphql: (data) =>
      (obj(data).tactics as Rec[]).map((ta) => {
        const c = obj(ta.techniques) as { totalCount: number; nodes: Rec[] };
        return {
          tactic: `${ta.attackId} ${ta.shortname}`,
          totalCount: c.totalCount,
          techniques: c.nodes
            .map((t) => `${t.attackId}[${ids(obj(t.subtechniques).nodes).join(' ')}]`)
            .sort(),
        };
      }),
    fromCypher: (rows) =>
      rows.map((r) => {
        const ts = r.techniques as Array<{ attackId: string; subtechniques: string[] }>;
        return {
          tactic: `${r.attackId} ${r.shortname}`,
          totalCount: ts.length,
          techniques: ts.map((t) => `${t.attackId}[${sorted(t.subtechniques).join(' ')}]`).sort(),
        };
      }),
  },
  peer: {
    graphql: `query PeerMatrix {
  matrices(where: { ${PEER_CURRENT} }) {
    tacticsConnection(where: { node: { domains: { includes: "enterprise-attack" }, ${PEER_CURRENT} } }) {
      edges {
        properties { order }
        node {
          attackId shortname
          techniques(where: { ${PEER_CURRENT}, isSubtechnique: { eq: false } }) {
            attackId subtechniques(where: { ${PEER_CURRENT} }) { attackId }
          }
        }
      }
    }
  }
}`,
    variables: {},
    fromPeer: (data) => {
      // A tactic in several matrices takes its first position, as the API orders them.
      const tactics = new Map<string, { order: number; node: Rec }>();
      for (const m of obj(data).matrices as Rec[]) {
        for (const e of (obj(m.tacticsConnection) as { edges: Rec[] }).edges) {
          const node = obj(e.node);
          const order = Number(obj(e.properties).order);
          const seen = tactics.get(node.attackId as string);
          if (!seen || order < seen.order) tactics.set(node.attackId as string, { order, node });
        }
      }
      return [...tactics.values()]
        .sort((a, b) => a.order - b.order)
        .map(({ node }) => {
          const techniques = new Map<string, string[]>();
          for (const t of node.techniques as Rec[])
            techniques.set(t.attackId as string, distinct(peerIds(t.subtechniques)));
          return {
            tactic: `${node.attackId} ${node.shortname}`,
            totalCount: techniques.size,
            techniques: [...techniques].map(([t, subs]) => `${t}[${subs.join(' ')}]`).sort(),
          };
        });
    },
  },
};

const OVERLAP_GROUPS = ['G0016', 'G0007']; // APT29 and APT28

const overlap: QueryClass = {
  name: 'analyst-overlap',
  title: 'Analyst: technique overlap of two groups',
  requires: 'overlap',
  graphql: `query Overlap($ids: [String!]!) {
  overlap(objects: $ids) {
    sharedCount unionCount
    shared { attackId }
    members { object { attackId } unique { attackId } }
  }
}`,
  variables: { ids: OVERLAP_GROUPS },
  twin: {
    cypher: `UNWIND $ids AS id
MATCH (g:AttackObject:Group:Current {attackId: id}) WHERE ${current('g')}
MATCH (g)-[r:USES]->(t:Technique) WHERE ${current('r')} AND ${current('t')}
WITH t, collect(DISTINCT g.attackId) AS users
WITH collect({item: t.attackId, users: users}) AS items
RETURN [i IN items WHERE size(i.users) = size($ids) | i.item] AS shared, size(items) AS unionCount,
  [id IN $ids | {member: id, unique: [i IN items WHERE i.users = [id] | i.item]}] AS members`,
    params: { ids: OVERLAP_GROUPS },
    fromGraphql: (data) => {
      const o = obj(obj(data).overlap);
      return {
        sharedCount: o.sharedCount,
        unionCount: o.unionCount,
        shared: ids(o.shared),
        members: (o.members as Rec[]).map((m) => `${obj(m.object).attackId}: ${ids(m.unique).join(' ')}`),
      };
    },
    fromCypher: (rows) => {
      const r = rows[0] ?? {};
      const shared = sorted(r.shared);
      return {
        sharedCount: shared.length,
        unionCount: r.unionCount,
        shared,
        members: (r.members as Array<{ member: string; unique: string[] }>).map(
          (m) => `${m.member}: ${sorted(m.unique).join(' ')}`,
        ),
      };
    },
  },
};

/** The core classes, timed at every concurrency against their raw Cypher twins. */
export const CLASSES: QueryClass[] = [lookup, techniquePage, headline, groupTechniques, matrix, overlap];

// Analyst queries: one class per family, each the README's example as an analyst would paste it
// (overlap is `analyst-overlap` above, which has a Cypher twin). No twin: each answer must have no
// errors, name no unknown inputs, and hold what the example is about (checked before timing).

const len = (v: unknown) => (Array.isArray(v) ? v.length : 0);
const unknown = (v: Rec) =>
  len(v.unknownIds) > 0 ? `unknown inputs ${JSON.stringify(v.unknownIds)}` : undefined;

/** An analyst class on root field `field`: `check` returns what is wrong with its value, or undefined. */
function analyst(
  name: string,
  title: string,
  field: string,
  graphql: string,
  check: (v: Rec) => string | undefined,
  options: Partial<QueryClass> = {},
): QueryClass {
  return {
    name,
    title: `Analyst: ${title}`,
    requires: field,
    graphql,
    variables: {},
    check: (data) => {
      const v = obj(data)?.[field];
      if (v === null || v === undefined) return `${field} is null`;
      return unknown(obj(v)) ?? check(obj(v));
    },
    ...options,
  };
}

const nonEmpty = (what: string, v: unknown) => (len(v) > 0 ? undefined : `${what} is empty`);

export const ANALYST_CLASSES: QueryClass[] = [
  analyst(
    'similar-groups',
    'groups most similar to APT29 (Jaccard, techniques)',
    'similarGroups',
    `query SimilarGroups {
  similarGroups(group: "G0016", limit: 5, by: TECHNIQUES) {
    group { name } count
    similar { group { attackId name } score sharedCount unionCount shared { attackId name } }
  }
}`,
    (v) => nonEmpty('similar', v.similar),
  ),
  analyst(
    'technique-prevalence',
    'credential-access techniques ranked by how many groups use them',
    'techniquePrevalence',
    `query Prevalence {
  techniquePrevalence(actors: [GROUP], tactic: "credential-access", limit: 10) {
    actorCount
    techniques { technique { attackId name } count share groups tactics }
  }
}`,
    (v) => nonEmpty('techniques', v.techniques),
  ),
  analyst(
    'cooccurrence',
    'techniques used by the same groups as T1003.001 (support, confidence, lift)',
    'cooccurrence',
    `query Cooccurrence {
  cooccurrence(technique: "T1003.001", limit: 10) {
    technique { name } population count
    techniques { technique { attackId name } count support confidence lift evidence { attackId } }
  }
}`,
    (v) => nonEmpty('techniques', v.techniques),
  ),
  analyst(
    'coverage-gaps',
    'coverage gaps of three detected techniques, ranked by two groups',
    'coverageGaps',
    `query CoverageGaps {
  coverageGaps(detected: ["T1003", "T1059.001", "T1566"], groups: ["G0016", "G0007"]) {
    total covered percent unknownIds
    tactics {
      tactic { name } total coveredCount percent
      uncovered { technique { attackId name } groupCount groups { attackId } }
    }
  }
}`,
    (v) => nonEmpty('tactics', v.tactics) ?? (Number(v.covered) > 0 ? undefined : 'nothing covered'),
  ),
  analyst(
    'mitigation-plan',
    "greedy mitigation plan for APT29's techniques (5 steps)",
    'mitigationPlan',
    `query MitigationPlan {
  mitigationPlan(groups: ["G0016"], max: 5) {
    targetCount coveredCount percent
    steps { rank mitigation { attackId name } addedCount cumulativeCount cumulativePercent added { attackId } }
    unmitigable { attackId name }
  }
}`,
    (v) => nonEmpty('steps', v.steps),
  ),
  analyst(
    'detection-chain',
    'T1003.001 on Windows: detection strategies → analytics → log sources',
    'detectionChain',
    `query DetectionChain {
  detectionChain(technique: "T1003.001", platform: "Windows") {
    strategies {
      strategy { attackId name }
      analytics { analytic { attackId } logSources { dataComponent { attackId name } name channel } }
    }
    logSources { dataComponent { attackId } name channel }
  }
}`,
    (v) => nonEmpty('strategies', v.strategies) ?? nonEmpty('logSources', v.logSources),
  ),
  analyst(
    'detectable-techniques',
    'techniques detectable from two log sources',
    'detectableTechniques',
    `query DetectableTechniques {
  detectableTechniques(logSources: [
    { dataComponent: "DC0032" },
    { dataComponent: "Process Access", name: "WinEventLog:Sysmon", channel: "EventCode=10" }
  ]) {
    count unknownIds
    techniques { technique { attackId name } analytics { attackId } strategies { attackId } }
  }
}`,
    (v) => nonEmpty('techniques', v.techniques),
  ),
  analyst(
    'paths',
    'shortest paths from APT29 to M1026, up to 3 hops',
    'paths',
    `query Paths {
  paths(from: "G0016", to: "M1026", maxHops: 3) {
    length
    paths { nodes { attackId name } steps { type from { attackId } to { attackId } description } }
  }
}`,
    (v) => nonEmpty('paths', v.paths),
  ),
  analyst(
    'groups-layer',
    'Navigator layer for APT29 + APT28 (via DIRECT, SOFTWARE)',
    'groupsLayer',
    `query GroupsLayer {
  groupsLayer(groups: ["G0016", "G0007"], via: [DIRECT, SOFTWARE]) { techniqueCount unknownIds layer }
}`,
    (v) => nonEmpty('layer.techniques', obj(v.layer)?.techniques),
  ),
  analyst(
    'changes',
    'major modifications of techniques, 17.1 → 18.1',
    'changes',
    `query Changes {
  changes(kinds: [MODIFIED], versionChanges: [MAJOR], stixTypes: ["attack-pattern"]) {
    fromVersion attackVersion counts { change count }
    changes(first: 20) { totalCount nodes { attackId name fromVersion toVersion } }
  }
}`,
    (v) =>
      v.fromVersion !== '17.1' || v.attackVersion !== '18.1'
        ? `compares ${v.fromVersion} → ${v.attackVersion}, not 17.1 → 18.1`
        : nonEmpty('changes.nodes', obj(v.changes)?.nodes),
    { needsHistory: true },
  ),
  analyst(
    'technique-changes',
    "how T1003's mitigations and detections changed, 17.1 → 18.1",
    'techniqueChanges',
    `query TechniqueChanges {
  techniqueChanges(technique: "T1003") {
    fromVersion attackVersion change { change versionChange }
    mitigations { change from to }
    detections { change from to }
  }
}`,
    (v) =>
      v.fromVersion !== '17.1' || v.attackVersion !== '18.1'
        ? `compares ${v.fromVersion} → ${v.attackVersion}, not 17.1 → 18.1`
        : len(v.mitigations) + len(v.detections) > 0
          ? undefined
          : 'no mitigation or detection changes',
    { needsHistory: true },
  ),
];

/** The core or analyst class of this name, if there is one. */
export const classNamed = (name: string): QueryClass | undefined =>
  CLASSES.find((c) => c.name === name) ?? ANALYST_CLASSES.find((c) => c.name === name);

/** The classes timed a second time with the response cache on. */
export const CACHE_CLASSES = ['lookup', 'tactic-groups', 'matrix', 'analyst-overlap'];

/** Connection wrappers: a level of the response, not of the data. */
const WRAPPERS = new Set(['edges', 'node', 'nodes']);

/**
 * The operation's depth in levels of data: the most fields with a selection set along one path,
 * not counting the connection wrappers `edges`, `node` and `nodes`. Lookup `technique { name }` is
 * 1; `tactics { techniques { nodes { subtechniques { nodes { attackId } } } } }` is 3.
 */
export function selectionDepth(document: string): number {
  const doc = parse(document);
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of doc.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  const depth = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    let max = 0;
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        const own = WRAPPERS.has(s.name.value) ? 0 : 1;
        max = Math.max(max, s.selectionSet ? own + depth(s.selectionSet, seen) : 0);
      } else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depth(s.selectionSet, seen));
      else if (!seen.has(s.name.value))
        max = Math.max(max, depth(fragments.get(s.name.value), new Set([...seen, s.name.value])));
    }
    return max;
  };
  let max = 0;
  for (const d of doc.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION) max = Math.max(max, depth(d.selectionSet, new Set()));
  return max;
}
