import { NODE_LABELS, type NodeType, REL_TYPES, type RelType } from '../src/model.ts';
import type { Query } from '../src/neo4j/executor.ts';

/* The load's named Cypher: the schema it needs, and the statements that write a plan. */

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

export const q = (name: string, cypher: string): Query => ({ name, cypher });

// Serialises imports of one domain: the lock is held until the transaction ends.
export const LOCK = q('import.lock', 'MERGE (l:ImportLock {domain: $domain}) SET l.token = $token');
export const CREATE_NODES = Object.fromEntries(
  Object.entries(NODE_LABELS).map(([type, labels]) => [
    type,
    q(
      `import.createNodes.${type}`,
      `UNWIND $rows AS r CREATE (n:AttackObject:${labels.join(':')}) SET n = r.props, n.hash = r.hash, n.domains = [$domain], n.versions = r.versions`,
    ),
  ]),
) as Record<NodeType, Query>;
export const UPDATE_NODES = q(
  'import.updateNodes',
  'UNWIND $rows AS r MATCH (n:AttackObject {stixId: r.stixId}) SET n = r.props, n.hash = r.hash, n.domains = r.domains, n.versions = r.versions',
);
export const SET_DOMAINS = q(
  'import.setDomains',
  'UNWIND $rows AS r MATCH (n:AttackObject {stixId: r.stixId}) SET n.domains = r.domains, n.versions = r.versions',
);
export const DELETE_NODES = q(
  'import.deleteNodes',
  'UNWIND $ids AS id MATCH (n:AttackObject {stixId: id}) DETACH DELETE n',
);
export const CREATE_RELS = Object.fromEntries(
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
export const UPDATE_RELS = q(
  'import.updateRels',
  `UNWIND $rows AS r MATCH (:AttackObject {stixId: r.from})-[x {key: r.key}]->()
   SET x = r.props, x.hash = r.hash, x.domains = r.domains, x.versions = r.versions`,
);
export const SET_REL_DOMAINS = q(
  'import.setRelDomains',
  'UNWIND $rows AS r MATCH (:AttackObject {stixId: r.from})-[x {key: r.key}]->() SET x.domains = r.domains, x.versions = r.versions',
);
export const DELETE_RELS = q(
  'import.deleteRels',
  'UNWIND $rows AS r MATCH (:AttackObject {stixId: r.from})-[x {key: r.key}]->() DELETE x',
);
export const RECORD_RUN = q('import.recordRun', 'CREATE (r:ImportRun) SET r = $run');
export const SHOW_CONSTRAINTS = q('import.showConstraints', 'SHOW CONSTRAINTS YIELD name RETURN name');
export const SHOW_INDEXES = q('import.showIndexes', 'SHOW INDEXES YIELD name RETURN name');
