import { randomUUID } from 'node:crypto';
import { DOMAINS, type Domain } from '../src/model.ts';
import type { Executor } from '../src/neo4j/executor.ts';
import { compareReleases } from '../src/releases/order.ts';
import { DELETE_RELEASE, LOCK, q, recordChange } from './cypher.ts';
import { planLoad } from './diff.ts';
import { ImportError } from './errors.ts';
import { readExisting } from './existing.ts';
import { apply } from './load.ts';
import { type HeldRelease, moveCurrent, readReleases, writeRelease } from './releases.ts';

/*
 * `npm run import -- --remove enterprise-attack@16.1`: takes one domain out of one release snapshot,
 * in one transaction. It is the load of an empty bundle into that snapshot (objects only that domain
 * held go, shared ones lose the domain), then the :Release record goes and :Current moves if the
 * newest release changed. Import runs stay (the history of what was imported); a :ReleaseRemoval
 * records the removal and moves the data version on.
 */

/** What makes the data version change (src/data/graph-state.ts), and the history of removals. */
const RECORD_REMOVAL = recordChange('import.recordRemoval', 'ReleaseRemoval', 'removal');
const DELETE_RECORDS = q(
  'import.removeCrossReferences',
  'MATCH (p:CrossReference {domain: $domain, release: $release}) DELETE p',
);

export interface RemoveReport {
  domain: Domain;
  release: string;
  /** Objects deleted (only this domain held them) and objects kept for other domains. */
  deletedObjects: number;
  keptObjects: number;
  deletedRelationships: number;
  /** The default release after the removal; null when nothing is left. */
  current: string | null;
}

/** A release that is not imported: names it and lists what is. Nothing is written. */
export class UnknownReleaseError extends ImportError {
  override name = 'UnknownReleaseError';
  constructor(
    readonly wanted: string,
    readonly held: HeldRelease[],
  ) {
    super(`${wanted} is not imported; imported: ${formatHeld(held) || 'nothing'}`);
  }
}

export function formatHeld(held: HeldRelease[]): string {
  return [...held]
    .sort((a, b) => a.domain.localeCompare(b.domain) || compareReleases(a.release, b.release))
    .map((h) => `${h.domain}@${h.release}`)
    .join(', ');
}

/** `enterprise-attack@16.1` or `enterprise@16.1` -> the domain and release; an ImportError otherwise. */
export function parseReleaseSpec(spec: string): { domain: Domain; release: string } {
  const match = /^([a-z]+(?:-attack)?)@(\S+)$/.exec(spec.trim());
  const domain = match && DOMAINS.find((d) => d === match[1] || d === `${match[1]}-attack`);
  if (!match?.[2] || !domain)
    throw new ImportError(
      `${spec}: expected <domain>@<release>, such as enterprise-attack@16.1 (domains: ${DOMAINS.join(', ')})`,
    );
  return { domain, release: match[2] };
}

export async function removeRelease(executor: Executor, spec: string): Promise<RemoveReport> {
  const { domain, release } = parseReleaseSpec(spec);
  return executor.write(`remove ${domain}@${release}`, async (tx) => {
    await tx.run(LOCK, { domain, token: randomUUID() });
    const held = await readReleases(tx);
    if (!held.some((h) => h.domain === domain && h.release === release))
      throw new UnknownReleaseError(`${domain}@${release}`, held);
    const existing = await readExisting(tx, release);
    const empty = { domain, nodes: [], rels: [], problems: [], notes: [], unknownRelationshipTypes: {} };
    const plan = planLoad(empty, existing.nodes, existing.rels);
    await apply(tx, plan, domain, release, () => {}, false, existing);
    await tx.run(DELETE_RECORDS, { domain, release });
    await tx.run(DELETE_RELEASE, { domain, release });
    // The other domains of the release keep their records, recounted: a shared relationship may be gone.
    for (const other of held.filter((h) => h.release === release && h.domain !== domain))
      await writeRelease(tx, other, { modified: null, importedAt: new Date().toISOString() });
    const current = await moveCurrent(tx);
    const at = new Date().toISOString();
    await tx.run(RECORD_REMOVAL, { removal: { id: randomUUID(), domain, release, at } });
    return {
      domain,
      release,
      deletedObjects: plan.deleteNodes.length,
      keptObjects: plan.setDomains.length,
      deletedRelationships: plan.relationshipChanges.length,
      current,
    };
  });
}
