/**
 * The query classes the benchmark times. Each class asks one question twice: as GraphQL over HTTP
 * and as one hand-written Cypher query. Both answers are normalised (sorted ID lists, counts) and
 * must be equal before anything is timed.
 */

export type Json = unknown;
type Rec = Record<string, unknown>;

export interface QueryClass {
  name: string;
  /** What the class stands for, in the report. */
  title: string;
  graphql: string;
  variables: Rec;
  cypher: string;
  params: Rec;
  /** The GraphQL `data` to a comparable value. */
  fromGraphql(data: Json): Json;
  /** The Cypher rows (`record.toObject()`) to the same comparable value. */
  fromCypher(rows: Rec[]): Json;
  /** A root field the class needs; when the running API lacks it, the class is reported as pending. */
  requires?: string;
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

const TECHNIQUE = 'T1003'; // OS Credential Dumping: sub-techniques, many groups, software, mitigations
const GROUP = 'G0016'; // APT29: direct uses, attributed campaigns and software

const lookup: QueryClass = {
  name: 'lookup',
  title: 'Technique by ATT&CK ID',
  graphql: `query Lookup($id: String!) {
  technique(attackId: $id) { stixId attackId name platforms }
}`,
  variables: { id: TECHNIQUE },
  cypher: `MATCH (n:AttackObject:Technique {attackId: $id})
RETURN n.stixId AS stixId, n.attackId AS attackId, n.name AS name, n.platforms AS platforms
ORDER BY CASE WHEN ${current('n')} THEN 0 ELSE 1 END, n.modified DESC LIMIT 1`,
  params: { id: TECHNIQUE },
  fromGraphql: (data) => obj(data).technique,
  fromCypher: (rows) => rows[0] ?? null,
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
  cypher: `MATCH (t:AttackObject:Technique {attackId: $id}) WHERE ${current('t')}
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
  cypher: `MATCH (ta:AttackObject:Tactic {shortname: $shortname}) WHERE 'enterprise-attack' IN ta.domains
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
  cypher: `MATCH (g:AttackObject:Group {attackId: $id}) WHERE ${current('g')}
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
  cypher: `MATCH (m:Matrix)-[h:HAS_TACTIC]->(ta:Tactic)
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
        techniques: c.nodes.map((t) => `${t.attackId}[${ids(obj(t.subtechniques).nodes).join(' ')}]`).sort(),
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
  cypher: `UNWIND $ids AS id
MATCH (g:AttackObject:Group {attackId: id}) WHERE ${current('g')}
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
};

export const CLASSES: QueryClass[] = [lookup, techniquePage, headline, groupTechniques, matrix, overlap];
