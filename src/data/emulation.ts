import type { ReadExecutor } from '../neo4j/executor.ts';
import { resolveKeys } from './analytics/common.ts';
import { type AtomicTestRow, atomicTestsByTechnique } from './atomic.ts';
import { fetchCore, fetchTactics } from './objects.ts';
import { fetchPages, fetchRelated, nodesOnly, readsOf } from './related.ts';
import { type NodeRow, projection, type ReleaseArg, refOf, type Via } from './rows.ts';
import { rulesByTechnique, type SigmaRuleRow } from './sigma.ts';
import { USAGE } from './usage.ts';

/*
 * The reads of an emulation plan (src/analytics/emulation-plan.ts orders and renders it). Every
 * read is an existing one: the actor's technique usage (the Group/Campaign `techniques` list, with
 * its procedure text), its software and the software's techniques (the same usage read), the
 * techniques' tactics, the matrix order of tactics, the atomic tests and the Sigma rules by
 * technique ID.
 */

export type PlanActorKind = 'GROUP' | 'CAMPAIGN';

export interface PlanTechniqueRow {
  technique: NodeRow;
  /** The `uses` text of each path that found it (DIRECT: the actor's own). */
  procedures: string[];
  via: Via[];
  software: NodeRow[];
  tactics: string[];
  tests: AtomicTestRow[];
  /** The imported Sigma rules whose tags name exactly this technique ID. */
  rules: SigmaRuleRow[];
}

export interface PlanRows {
  actor: NodeRow;
  release: string;
  /** Shortnames in matrix order (enterprise first). */
  tacticOrder: string[];
  techniques: PlanTechniqueRow[];
  /** The actor's techniques whose platforms leave out the platform asked for. */
  offPlatform: NodeRow[];
}

const TECHNIQUE_KEYS = projection(['stixId', 'release', 'attackId', 'name', 'platforms', 'isSubtechnique']);
const NAMED_KEYS = projection(['stixId', 'release', 'nodeLabels', 'attackId', 'name']);
const EVERY = { offset: 0, limit: 100_000 };

/** A technique runs on `platform` when its ATT&CK platforms name it (case aside); any, without one. */
const onPlatform = (t: NodeRow, platform: string | null) =>
  !platform || (t.platforms ?? []).some((p) => p.toLowerCase() === platform.toLowerCase());

/**
 * The plan's rows for a group or campaign (ATT&CK ID, name or STIX id) in `release` (the newest
 * when null); null when there is no such actor. Techniques are those of the `via` paths; on
 * `platform` only, when given (the others are listed in `offPlatform`).
 */
export async function fetchPlanRows(
  db: ReadExecutor,
  {
    actor,
    kind,
    platform,
    via,
    release,
  }: {
    actor: string;
    kind: PlanActorKind;
    platform: string | null;
    via: readonly Via[];
    release: ReleaseArg;
  },
): Promise<PlanRows | null> {
  const label = kind === 'GROUP' ? 'Group' : 'Campaign';
  const { ids } = await resolveKeys(db, [actor], [label], null, release);
  const [stixId] = ids;
  if (!stixId) return null;
  const [row] = await fetchCore(db, [{ stixId, release: release ?? null }]);
  if (!row) return null;
  const ref = refOf(row);
  const at = ref.release;
  const [[usage], [software], tactics] = await Promise.all([
    fetchPages(
      db,
      USAGE.actorTechniques,
      readsOf({
        node: TECHNIQUE_KEYS,
        count: false,
        text: true,
        references: false,
        via: true,
        techniques: null,
        subtechniques: null,
      }),
      [ref],
      { ...EVERY, via, rollUp: false },
    ),
    fetchRelated(
      db,
      kind === 'GROUP' ? 'group.software' : 'campaign.software',
      [ref],
      EVERY,
      nodesOnly(NAMED_KEYS),
    ),
    fetchTactics(db, { release }, projection(['stixId', 'shortname'])),
  ]);
  const used = usage?.items ?? [];
  const kept = used.filter((i) => onPlatform(i.node, platform));
  const refs = kept.map((i) => ({ stixId: i.node.stixId, release: at }));
  const softwareNodes = (software?.items ?? []).map((i) => i.node);
  const attackIds = kept.flatMap((i) => i.node.attackId ?? []);
  const [techniqueTactics, softwareUsage, tests, rules] = await Promise.all([
    fetchRelated(db, 'technique.tactics', refs, EVERY, nodesOnly(projection(['stixId', 'shortname']))),
    fetchPages(
      db,
      USAGE.actorTechniques,
      nodesOnly(projection(['stixId'])),
      softwareNodes.map((s) => ({ stixId: s.stixId, release: at })),
      { ...EVERY, via: ['DIRECT'], rollUp: false },
    ),
    atomicTestsByTechnique(db, attackIds, platform),
    // Every field: a plan's rules are few, and the step's `SigmaRule`s may select any of them.
    rulesByTechnique(db, attackIds),
  ]);
  const performers = new Map<string, NodeRow[]>();
  softwareUsage.forEach((page, i) => {
    const s = softwareNodes[i];
    if (!s) return;
    for (const item of page.items)
      performers.set(item.node.stixId, [...(performers.get(item.node.stixId) ?? []), s]);
  });
  return {
    actor: row,
    release: at,
    tacticOrder: [...new Set(tactics.flatMap((t) => t.shortname ?? []))],
    techniques: kept.map((item, i) => ({
      technique: item.node,
      procedures: item.description ? [item.description] : [],
      via: item.via ?? [],
      software: performers.get(item.node.stixId) ?? [],
      tactics: (techniqueTactics[i]?.items ?? []).flatMap((t) => t.node.shortname ?? []),
      tests: tests.get(item.node.attackId ?? '') ?? [],
      rules: rules.get(item.node.attackId ?? '') ?? [],
    })),
    offPlatform: used.filter((i) => !onPlatform(i.node, platform)).map((i) => i.node),
  };
}
