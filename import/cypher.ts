import { CHANGED_AT, DATA_CHANGE, type DataChangeKind } from '../src/model.ts';
import type { Query } from '../src/neo4j/executor.ts';

/* The load's named Cypher: the schema it needs, and the statements that write a plan. */

/** The constraint the composite one replaces: one node per STIX id cannot hold two releases. */
export const LEGACY_CONSTRAINT = 'attack_object_stix_id';
export const DROP_LEGACY_CONSTRAINT = 'DROP CONSTRAINT attack_object_stix_id IF EXISTS';

/** Created before any load, each in its own schema transaction; all idempotent. Keyed by name. */
export const SCHEMA: Record<string, string> = {
  // One node per object and release: each release is a snapshot of its own (docs/architecture.md).
  attack_object_stix_release:
    'CREATE CONSTRAINT attack_object_stix_release IF NOT EXISTS FOR (n:AttackObject) REQUIRE (n.stixId, n.release) IS UNIQUE',
  // Lookups by STIX id across releases (the composite constraint's index needs both properties).
  attack_object_stix: 'CREATE INDEX attack_object_stix IF NOT EXISTS FOR (n:AttackObject) ON (n.stixId)',
  // Entry points of a given release: lists by label filtered by `release`, the import's own reads.
  attack_object_release:
    'CREATE INDEX attack_object_release IF NOT EXISTS FOR (n:AttackObject) ON (n.release)',
  attack_object_attack_id:
    'CREATE INDEX attack_object_attack_id IF NOT EXISTS FOR (n:AttackObject) ON (n.attackId)',
  attack_object_name: 'CREATE INDEX attack_object_name IF NOT EXISTS FOR (n:AttackObject) ON (n.name)',
  tactic_shortname: 'CREATE INDEX tactic_shortname IF NOT EXISTS FOR (n:Tactic) ON (n.shortname)',
  attack_object_search:
    'CREATE FULLTEXT INDEX attack_object_search IF NOT EXISTS FOR (n:AttackObject) ON EACH [n.name, n.aliases, n.description]' +
    // Lucene updates move off the commit path; searches catch up within moments of an import.
    ' OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}}',
  import_run_id: 'CREATE CONSTRAINT import_run_id IF NOT EXISTS FOR (r:ImportRun) REQUIRE r.id IS UNIQUE',
  release_domain_release:
    'CREATE CONSTRAINT release_domain_release IF NOT EXISTS FOR (r:Release) REQUIRE (r.domain, r.release) IS UNIQUE',
  import_lock_domain:
    'CREATE CONSTRAINT import_lock_domain IF NOT EXISTS FOR (l:ImportLock) REQUIRE l.domain IS UNIQUE',
  // The newest change record, which every request's data version names, in one index step.
  data_change_order: 'CREATE INDEX data_change_order IF NOT EXISTS FOR (r:DataChange) ON (r.changedAt, r.id)',
};

export const q = (name: string, cypher: string): Query => ({ name, cypher });

/**
 * Every statement that finds a node by its key names the composite constraint's index: the planner
 * otherwise chooses by statistics, and those of a new or just-emptied database made it seek the
 * `release` index and filter every node of the release for each row (minutes for one import).
 */
const seek = (v: string) => `USING INDEX ${v}:AttackObject(stixId, release)`;

// Serialises imports of one domain: the lock is held until the transaction ends.
export const LOCK = q('import.lock', 'MERGE (l:ImportLock {domain: $domain}) SET l.token = $token');
/**
 * One statement writes nodes of every label, and one relationships of every type (dynamic labels
 * and types, Neo4j 5.26): one plan each, where a statement per label and type cost a plan each on
 * every import into a database whose schema was just created, and a round trip per type. The
 * labels and types still come only from NODE_LABELS and REL_TYPES: load.ts puts them in the rows.
 * Each row's `props` holds every property, so that one `SET` writes them (see createRows in load.ts).
 */
export const CREATE_NODES = q(
  'import.createNodes',
  'UNWIND $rows AS r CREATE (n:$(r.labels)) SET n = r.props RETURN r.props.stixId AS stixId, elementId(n) AS id',
);
export const UPDATE_NODES = q(
  'import.updateNodes',
  `UNWIND $rows AS r MATCH (n:AttackObject {stixId: r.stixId, release: $release}) ${seek('n')}
   SET n = r.props, n.release = $release, n.hash = r.hash, n.domains = r.domains, n.versions = r.versions,
       n.ordinal = r.ordinal`,
);
/** Nodes whose place in the stable order moved (import/ordinals.ts). */
export const SET_ORDINALS = q(
  'import.setOrdinals',
  `UNWIND $rows AS r MATCH (n:AttackObject {stixId: r.stixId, release: $release}) ${seek('n')}
   SET n.ordinal = r.ordinal`,
);
export const SET_DOMAINS = q(
  'import.setDomains',
  `UNWIND $rows AS r MATCH (n:AttackObject {stixId: r.stixId, release: $release}) ${seek('n')}
   SET n.domains = r.domains, n.versions = r.versions`,
);
export const DELETE_NODES = q(
  'import.deleteNodes',
  `UNWIND $ids AS id MATCH (n:AttackObject {stixId: id, release: $release}) ${seek('n')} DETACH DELETE n`,
);
export const CREATE_RELS = q(
  'import.createRels',
  `UNWIND $rows AS r
   MATCH (a:AttackObject {stixId: r.from, release: $release}) ${seek('a')}
   MATCH (b:AttackObject {stixId: r.to, release: $release}) ${seek('b')}
   CREATE (a)-[x:$(r.type)]->(b) SET x = r.props`,
);
/**
 * The load's own relationships: their ends are nodes it read or created in this transaction, found
 * by element id (valid for the transaction: the import holds the lock, and deletes nodes last).
 * Enterprise's 27 018 took 2.5 s with two key-index seeks per row and 1.45 s by element id (sent
 * one after another, bench/import-statements.ts), whether or not the nodes were committed first.
 */
export const CREATE_RELS_BY_ID = q(
  'import.createRelsById',
  `UNWIND $rows AS r
   MATCH (a) WHERE elementId(a) = r.from
   MATCH (b) WHERE elementId(b) = r.to
   CREATE (a)-[x:$(r.type)]->(b) SET x = r.props`,
);
export const UPDATE_RELS = q(
  'import.updateRels',
  `UNWIND $rows AS r MATCH (a:AttackObject {stixId: r.from, release: $release})-[x {key: r.key}]->() ${seek('a')}
   SET x = r.props, x.hash = r.hash, x.domains = r.domains, x.versions = r.versions`,
);
export const SET_REL_DOMAINS = q(
  'import.setRelDomains',
  `UNWIND $rows AS r MATCH (a:AttackObject {stixId: r.from, release: $release})-[x {key: r.key}]->() ${seek('a')}
   SET x.domains = r.domains, x.versions = r.versions`,
);
export const DELETE_RELS = q(
  'import.deleteRels',
  `UNWIND $rows AS r MATCH (a:AttackObject {stixId: r.from, release: $release})-[x {key: r.key}]->() ${seek('a')} DELETE x`,
);
/*
 * A release's :Current label and :Release record, kept in the transaction of the import (or removal)
 * that changes them (see import/releases.ts).
 */
export const READ_RELEASES = q(
  'import.readReleases',
  `MATCH (r:Release)
   RETURN r.domain AS domain, r.release AS release, r.stamp AS stamp, r.digest AS digest, r.seen AS seen`,
);
export const READ_DOMAIN_RELEASES = q(
  'import.readDomainReleases',
  'MATCH (r:Release {domain: $domain}) RETURN r.release AS release',
);
export const COUNT_RELEASE_NODES = q(
  'import.countReleaseNodes',
  `MATCH (n:AttackObject {release: $release}) WHERE $domain IN n.domains
   RETURN n.stixType AS stixType, count(*) AS n`,
);
export const COUNT_RELEASE_RELS = q(
  'import.countReleaseRels',
  `MATCH (:AttackObject {release: $release})-[x]->() WHERE $domain IN x.domains RETURN count(x) AS n`,
);
export const WRITE_RELEASE = q(
  'import.writeRelease',
  `MERGE (r:Release {domain: $domain, release: $release})
   ON CREATE SET r.importedAt = $importedAt
   SET r.modified = coalesce($modified, r.modified), r.objectCount = $objectCount,
       r.relationshipCount = $relationshipCount, r.countsJson = $countsJson,
       r.stamp = $stamp, r.digest = $digest, r.seen = $seen`,
);
export const DELETE_RELEASE = q(
  'import.deleteRelease',
  'MATCH (r:Release {domain: $domain, release: $release}) DELETE r',
);
export const DROP_CURRENT = q(
  'import.dropCurrent',
  'MATCH (n:Current) WHERE $newest IS NULL OR n.release <> $newest REMOVE n:Current',
);
export const ADD_CURRENT = q(
  'import.addCurrent',
  'MATCH (n:AttackObject {release: $newest}) WHERE NOT n:Current SET n:Current',
);
/** CHANGED_AT of the change record (or record map) `x`: an import run's `finishedAt`, another's `at`. */
export const changedAt = (x: string) => `coalesce(${x}.finishedAt, ${x}.at)`;

/**
 * Records a committed change of the data as a node of `kind` (one of DATA_CHANGE_KINDS), set to the
 * map `$<param>`. It also carries DATA_CHANGE, which the data version counts, and CHANGED_AT, by
 * which it finds the newest.
 */
export const recordChange = (name: string, kind: DataChangeKind, param: string) =>
  q(name, `CREATE (x:${kind}:${DATA_CHANGE}) SET x = $${param}, x.${CHANGED_AT} = ${changedAt(`$${param}`)}`);

export const RECORD_RUN = recordChange('import.recordRun', 'ImportRun', 'run');
export const SHOW_CONSTRAINTS = q('import.showConstraints', 'SHOW CONSTRAINTS YIELD name RETURN name');
export const SHOW_INDEXES = q('import.showIndexes', 'SHOW INDEXES YIELD name RETURN name');
