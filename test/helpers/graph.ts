import { createHash } from 'node:crypto';
import type { ReadExecutor } from '../../src/neo4j/executor.ts';

/**
 * A digest of the graph: every node's labels and properties, every relationship's type, endpoints
 * and properties. Equal digests mean an identical graph. `attackOnly` leaves out the importer's
 * bookkeeping (import runs and locks), for comparing graphs reached by different import histories;
 * `release` keeps only that release's snapshot (its objects and their relationships).
 */
export async function graphDigest(
  db: ReadExecutor,
  { attackOnly = false, release = null as string | null } = {},
): Promise<{ nodes: number; rels: number; digest: string }> {
  const nodes = await db.read(
    {
      name: 'test.digestNodes',
      cypher: `MATCH (n) WHERE (NOT $attackOnly OR n:AttackObject) AND ($release IS NULL OR n.release = $release)
               RETURN labels(n) AS labels, properties(n) AS props`,
    },
    { attackOnly: attackOnly || release !== null, release },
  );
  const rels = await db.read(
    {
      name: 'test.digestRels',
      cypher: `MATCH (a)-[r]->(b) WHERE $release IS NULL OR a.release = $release
               RETURN type(r) AS type, coalesce(a.stixId, a.id) AS a, coalesce(b.stixId, b.id) AS b, properties(r) AS props`,
    },
    { release },
  );
  const canon = (v: unknown): string =>
    JSON.stringify(v, (_k, x) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
        : x,
    );
  const lines = [
    ...nodes.map((n) => canon({ ...n, labels: [...(n.labels as string[])].sort() })),
    ...rels.map(canon),
  ].sort();
  return {
    nodes: nodes.length,
    rels: rels.length,
    digest: createHash('sha256').update(lines.join('\n')).digest('hex'),
  };
}

/**
 * Counts per label (active objects only: neither revoked nor deprecated) and per relationship type,
 * of one domain; with `release`, of that release's snapshot only (else of every release held).
 */
export async function graphCounts(db: ReadExecutor, domain: string, release: string | null = null) {
  const labels = await db.read(
    {
      name: 'test.countLabels',
      cypher: `MATCH (n:AttackObject) WHERE $domain IN n.domains AND NOT n.revoked AND NOT n.deprecated
                 AND ($release IS NULL OR n.release = $release)
               UNWIND labels(n) AS label WITH label, count(*) AS n WHERE NOT label IN ['AttackObject', 'Current']
               RETURN label, n`,
    },
    { domain, release },
  );
  const rels = await db.read(
    {
      name: 'test.countRels',
      cypher: `MATCH (a)-[r]->() WHERE $domain IN r.domains AND ($release IS NULL OR a.release = $release)
               RETURN type(r) AS type, count(*) AS n`,
    },
    { domain, release },
  );
  return {
    labels: Object.fromEntries(labels.map((r) => [r.label as string, r.n as number])),
    rels: Object.fromEntries(rels.map((r) => [r.type as string, r.n as number])),
  };
}

/** Which objects and relationships belong to a domain: what importing another domain must not touch. */
export async function domainMembers(
  db: ReadExecutor,
  domain: string,
): Promise<{ nodes: string[]; rels: string[] }> {
  const rows = await db.read(
    {
      name: 'test.domainMembers',
      cypher: `MATCH (n:AttackObject) WHERE $domain IN n.domains WITH collect(n.release + ' ' + n.stixId) AS nodes
               MATCH (a)-[r]->() WHERE $domain IN r.domains RETURN nodes, collect(a.release + ' ' + r.key) AS rels`,
    },
    { domain },
  );
  const row = rows[0] ?? { nodes: [], rels: [] };
  return { nodes: [...(row.nodes as string[])].sort(), rels: [...(row.rels as string[])].sort() };
}
