import { q, recordChange } from '../cypher.ts';

/*
 * The Sigma import's named Cypher. Rules are not per ATT&CK release: they keep the technique IDs
 * and tactic shortnames their tags name, and the API joins them to the techniques of whichever
 * release it reads, by `attackId` (docs/architecture.md, "Detection rules"). So a new ATT&CK import
 * needs no re-linking.
 */

/** Created before the first load, in one schema transaction (import/graph-schema.ts); all idempotent. */
export const SIGMA_SCHEMA: Record<string, string> = {
  sigma_rule_pack_key:
    'CREATE CONSTRAINT sigma_rule_pack_key IF NOT EXISTS FOR (r:SigmaRule) REQUIRE (r.pack, r.key) IS UNIQUE',
  rule_pack_name: 'CREATE CONSTRAINT rule_pack_name IF NOT EXISTS FOR (p:RulePack) REQUIRE p.name IS UNIQUE',
  rule_pack_run_id:
    'CREATE CONSTRAINT rule_pack_run_id IF NOT EXISTS FOR (r:RulePackRun) REQUIRE r.id IS UNIQUE',
};

/** One import or removal of a pack at a time (the lock is held until the transaction ends). */
export const SIGMA_LOCK = q('sigma.lock', 'MERGE (l:ImportLock {domain: $lock}) SET l.token = $token');

export const SIGMA_EXISTING = q(
  'sigma.existing',
  `OPTIONAL MATCH (p:RulePack {name: $pack})
   OPTIONAL MATCH (r:SigmaRule {pack: $pack})
   RETURN p.sha256 AS sha256, p IS NOT NULL AS held, collect({key: r.key, hash: r.hash}) AS rules`,
);

/** Writes changed and new rules whole (`SET r = row`: a field a rule lost goes too). */
export const SIGMA_UPSERT_RULES = q(
  'sigma.upsertRules',
  `MERGE (p:RulePack {name: $pack})
   WITH p
   UNWIND $rows AS row
   MERGE (r:SigmaRule {pack: $pack, key: row.key})
   SET r = row
   MERGE (p)-[:HAS_RULE]->(r)`,
);

export const SIGMA_DELETE_RULES = q(
  'sigma.deleteRules',
  'UNWIND $keys AS key MATCH (r:SigmaRule {pack: $pack, key: key}) DETACH DELETE r',
);

export const SIGMA_WRITE_PACK = q('sigma.writePack', 'MERGE (p:RulePack {name: $pack}) SET p += $props');

/** Moves the data version on (src/data/graph-state.ts counts these beside import runs). */
export const SIGMA_RECORD_RUN = recordChange('sigma.recordRun', 'RulePackRun', 'run');

export const SIGMA_REMOVE_PACK = q(
  'sigma.removePack',
  `MATCH (p:RulePack {name: $pack})
   CALL (p) {
     OPTIONAL MATCH (r:SigmaRule {pack: p.name})
     DETACH DELETE r
     RETURN count(r) AS rules
   }
   DETACH DELETE p
   RETURN rules`,
);

export const SIGMA_PACKS = q('sigma.packs', 'MATCH (p:RulePack) RETURN p.name AS name ORDER BY name');

/** Which imported releases know each technique ID, and whether the default release does. */
export const SIGMA_KNOWN_TECHNIQUES = q(
  'sigma.knownTechniques',
  `UNWIND $ids AS id
   OPTIONAL MATCH (t:AttackObject {attackId: id}) WHERE t:Technique
   WITH id, collect(t) AS ts
   RETURN id, [t IN ts | t.release] AS releases, any(t IN ts WHERE t:Current) AS current`,
);

export const SIGMA_KNOWN_TACTICS = q(
  'sigma.knownTactics',
  `UNWIND $ids AS id
   OPTIONAL MATCH (t:Tactic {shortname: id})
   WITH id, collect(t) AS ts
   RETURN id, [t IN ts | t.release] AS releases, any(t IN ts WHERE t:Current) AS current`,
);

export const SIGMA_CURRENT_RELEASE = q(
  'sigma.currentRelease',
  'OPTIONAL MATCH (r:Release) RETURN collect(DISTINCT r.release) AS releases',
);
