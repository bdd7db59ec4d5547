import { randomUUID } from 'node:crypto';
import type { Executor, WriteTx } from '../../src/neo4j/executor.ts';
import { q, recordChange } from '../cypher.ts';
import { ImportError } from '../errors.ts';
import { compareFrameworkVersions, type MappingSet } from './transform.ts';

/*
 * Writes one mapping set in one transaction. The graph keeps ATT&CK ids, not links to technique
 * nodes: `(:Control)-[:MAPS_TO {...}]->(:MappedTechnique {attackId})`, joined to the technique of
 * the release a query asks for at read time, so an ATT&CK import never needs a re-link.
 */

export const MAPPING_SCHEMA: Record<string, string> = {
  control_key: 'CREATE CONSTRAINT control_key IF NOT EXISTS FOR (c:Control) REQUIRE c.key IS UNIQUE',
  mapped_technique_attack_id:
    'CREATE CONSTRAINT mapped_technique_attack_id IF NOT EXISTS FOR (t:MappedTechnique) REQUIRE t.attackId IS UNIQUE',
  mapping_framework_key:
    'CREATE CONSTRAINT mapping_framework_key IF NOT EXISTS FOR (f:MappingFramework) REQUIRE f.key IS UNIQUE',
  control_framework: 'CREATE INDEX control_framework IF NOT EXISTS FOR (c:Control) ON (c.framework)',
};

export const EXISTING_SET = q(
  'mappings.existingSet',
  'MATCH (f:MappingFramework {key: $key}) RETURN f.version AS version, f.sha256 AS sha256',
);

/** Takes the set's edges away, then the controls no other set holds, then targets nothing maps to. */
export const DROP_SET_MAPPINGS = q(
  'mappings.dropSetMappings',
  'MATCH (:Control)-[m:MAPS_TO {set: $key}]->() DELETE m RETURN count(m) AS n',
);
export const DROP_SET_CONTROLS = q(
  'mappings.dropSetControls',
  `MATCH (c:Control) WHERE $key IN c.sets
   SET c.sets = [s IN c.sets WHERE s <> $key]
   WITH c WHERE size(c.sets) = 0 DETACH DELETE c RETURN count(c) AS n`,
);
export const DROP_ORPHAN_TARGETS = q(
  'mappings.dropOrphanTargets',
  'MATCH (t:MappedTechnique) WHERE NOT EXISTS { ()-[:MAPS_TO]->(t) } DELETE t RETURN count(t) AS n',
);
export const DROP_SET = q(
  'mappings.dropSet',
  'MATCH (f:MappingFramework {key: $key}) DELETE f RETURN count(f) AS n',
);

export const WRITE_CONTROLS = q(
  'mappings.writeControls',
  `UNWIND $rows AS row
   MERGE (c:Control {key: row.key})
   SET c.framework = row.framework, c.id = row.id, c.frameworkVersion = row.frameworkVersion,
       c.name = row.name, c.group = row.group, c.groupName = row.groupName,
       c.sets = CASE WHEN $key IN coalesce(c.sets, []) THEN c.sets ELSE coalesce(c.sets, []) + $key END`,
);
export const WRITE_TARGETS = q(
  'mappings.writeTargets',
  'UNWIND $ids AS id MERGE (:MappedTechnique {attackId: id})',
);
export const WRITE_MAPPINGS = q(
  'mappings.writeMappings',
  `UNWIND $rows AS row
   MATCH (c:Control {key: row.controlKey})
   MATCH (t:MappedTechnique {attackId: row.attackId})
   CREATE (c)-[m:MAPS_TO]->(t)
   SET m = row.props, m.set = $key, m.domain = $domain, m.framework = $framework`,
);
export const WRITE_SET = q('mappings.writeSet', 'CREATE (f:MappingFramework) SET f = $props');
/** What the data version counts (src/data/graph-state.ts): one per import, replacement or removal. */
export const RECORD_RUN = recordChange('mappings.recordRun', 'MappingImport', 'props');

export type LoadOutcome = 'imported' | 'replaced' | 'unchanged';

export interface LoadInfo {
  source: string;
  sha256: string;
}

/** The previous version, when one was replaced. */
export interface LoadResult {
  outcome: LoadOutcome;
  previousVersion: string | null;
  runId: string | null;
}

async function dropSet(tx: WriteTx, key: string) {
  await tx.run(DROP_SET_MAPPINGS, { key });
  await tx.run(DROP_SET_CONTROLS, { key });
  await tx.run(DROP_ORPHAN_TARGETS);
  await tx.run(DROP_SET, { key });
}

/**
 * One transaction: the same file again writes nothing; an older version is refused; otherwise the
 * set's previous version (if any) goes and this one is written, all or nothing.
 */
export function loadMappingSet(executor: Executor, set: MappingSet, info: LoadInfo): Promise<LoadResult> {
  return executor.write('mappings.load', async (tx) => {
    const [existing] = await tx.run(EXISTING_SET, { key: set.key });
    const previous = existing ? { version: String(existing.version), sha256: String(existing.sha256) } : null;
    if (previous?.sha256 === info.sha256)
      return { outcome: 'unchanged', previousVersion: previous.version, runId: null };
    if (previous && compareFrameworkVersions(set.version, previous.version) < 0)
      throw new ImportError(
        `${info.source}: ${set.framework} ${set.domain} ${set.version} is older than the imported ${previous.version}; ` +
          `remove it first (--remove mappings:${set.framework}) to go back`,
      );
    if (previous) await dropSet(tx, set.key);
    const params = { key: set.key, domain: set.domain, framework: set.framework };
    await tx.run(WRITE_CONTROLS, { ...params, rows: set.controls });
    await tx.run(WRITE_TARGETS, { ids: [...new Set(set.mappings.map((m) => m.attackId))] });
    for (let i = 0; i < set.mappings.length; i += 10_000) {
      const rows = set.mappings.slice(i, i + 10_000).map(({ controlKey, attackId, ...props }) => ({
        controlKey,
        attackId,
        props,
      }));
      await tx.run(WRITE_MAPPINGS, { ...params, rows });
    }
    const now = new Date().toISOString();
    const { controls, mappings, incomplete, ...rest } = set;
    await tx.run(WRITE_SET, {
      props: {
        ...rest,
        source: info.source,
        sha256: info.sha256,
        importedAt: now,
        incompleteIndexes: incomplete.map((x) => x.index),
        mappingCount: mappings.length,
        controlCount: controls.length,
        techniqueCount: new Set(mappings.map((m) => m.attackId)).size,
      },
    });
    const runId = randomUUID();
    await tx.run(RECORD_RUN, {
      props: {
        id: runId,
        at: now,
        action: previous ? 'replace' : 'import',
        set: set.key,
        version: set.version,
        source: info.source,
        sha256: info.sha256,
      },
    });
    return { outcome: previous ? 'replaced' : 'imported', previousVersion: previous?.version ?? null, runId };
  });
}

/** `--remove mappings:<framework>[@domain]`: every set of the framework (or one domain's), in one transaction. */
export function removeMappingSets(
  executor: Executor,
  framework: string,
  domain: string | null,
): Promise<string[]> {
  return executor.write('mappings.remove', async (tx) => {
    const rows = await tx.run(
      q(
        'mappings.setsOf',
        'MATCH (f:MappingFramework {framework: $framework}) WHERE $domain IS NULL OR f.domain = $domain RETURN f.key AS key ORDER BY key',
      ),
      { framework, domain },
    );
    const keys = rows.map((r) => String(r.key));
    if (keys.length === 0) {
      const all = await tx.run(
        q('mappings.allSets', 'MATCH (f:MappingFramework) RETURN f.key AS key ORDER BY key'),
      );
      throw new ImportError(
        `no mappings of ${framework}${domain ? ` (${domain})` : ''} are imported; imported: ${all.map((r) => r.key).join(', ') || 'none'}`,
      );
    }
    for (const key of keys) await dropSet(tx, key);
    await tx.run(RECORD_RUN, {
      props: {
        id: randomUUID(),
        at: new Date().toISOString(),
        action: 'remove',
        set: keys.join(','),
        version: null,
        source: null,
        sha256: null,
      },
    });
    return keys;
  });
}
