import { type Annotation, buildLayer, COLORS, type Layer } from './layer.ts';

/** What a layer needs to know about a technique. */
export interface LayerTechniqueInfo {
  stixId: string;
  attackId: string | null;
  name: string;
  parent: string | null;
  tactics: string[];
}

export interface Named {
  stixId: string;
  attackId?: string | null;
  name: string;
}

const label = (o: Named) => (o.attackId ? `${o.attackId} ${o.name}` : o.name);

function annotate(
  catalog: ReadonlyMap<string, LayerTechniqueInfo>,
  stixId: string,
  rest: Omit<Annotation, 'attackId' | 'tactics' | 'parentAttackId'>,
): Annotation[] {
  const t = catalog.get(stixId);
  if (!t?.attackId) return [];
  const parent = t.parent ? catalog.get(t.parent)?.attackId : null;
  return [{ attackId: t.attackId, tactics: t.tactics, parentAttackId: parent ?? null, ...rest }];
}

export interface Context {
  domain: string;
  attackVersion: string | null;
  catalog: ReadonlyMap<string, LayerTechniqueInfo>;
}

/** Techniques used by a set of groups; score = how many of them use it (1 for a single group). */
export function groupsLayer(
  ctx: Context,
  groups: readonly Named[],
  usage: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  via: readonly string[],
): Layer {
  const users = new Map<string, { group: Named; via: readonly string[] }[]>();
  for (const g of groups) {
    for (const [technique, paths] of usage.get(g.stixId) ?? []) {
      const list = users.get(technique);
      const entry = { group: g, via: paths };
      if (list) list.push(entry);
      else users.set(technique, [entry]);
    }
  }
  const annotations = [...users].flatMap(([technique, list]) =>
    annotate(ctx.catalog, technique, {
      score: list.length,
      comment: `Used by ${list.map((u) => `${label(u.group)} (${u.via.join(', ')})`).join('; ')}`,
    }),
  );
  const single = groups.length === 1 && groups[0];
  return buildLayer({
    name: single ? `${label(single)} techniques` : `Techniques of ${groups.length} groups`,
    description: single
      ? `Techniques ${label(single)} uses (via ${via.join(', ')}).`
      : `Score: how many of ${groups.map(label).join(', ')} use each technique (via ${via.join(', ')}).`,
    domain: ctx.domain,
    attackVersion: ctx.attackVersion,
    annotations,
    gradient: {
      colors: [COLORS.white, single ? COLORS.blue : COLORS.red],
      minValue: 0,
      maxValue: Math.max(1, groups.length),
    },
    legendItems: single
      ? [{ label: `Used by ${label(single)}`, color: COLORS.blue }]
      : [
          { label: 'Used by one of the groups', color: COLORS.white },
          { label: `Used by all ${groups.length} groups`, color: COLORS.red },
        ],
    metadata: groups.map((g) => ({ name: 'group', value: label(g) })),
  });
}

export interface CoverageData {
  status: ReadonlyMap<string, 'covered' | 'partial' | 'uncovered'>;
  /** For each technique, the ranking groups that use it. */
  users: ReadonlyMap<string, ReadonlySet<string>>;
  percent: number;
  groupCount: number;
}

/**
 * Coverage: covered techniques green, partially covered parents yellow; uncovered techniques
 * scored by how many groups use them (white to red), so the worst gaps stand out.
 */
export function coverageLayer(ctx: Context, data: CoverageData): Layer {
  const annotations: Annotation[] = [];
  let max = 1;
  for (const [technique, status] of data.status) {
    const n = data.users.get(technique)?.size ?? 0;
    if (status === 'covered')
      annotations.push(...annotate(ctx.catalog, technique, { color: COLORS.green, comment: 'Covered' }));
    else if (status === 'partial')
      annotations.push(
        ...annotate(ctx.catalog, technique, {
          color: COLORS.yellow,
          comment: `Partially covered; used by ${n} groups`,
        }),
      );
    else {
      max = Math.max(max, n);
      annotations.push(
        ...annotate(ctx.catalog, technique, { score: n, comment: `Not covered; used by ${n} groups` }),
      );
    }
  }
  return buildLayer({
    name: 'Detection coverage',
    description: `Covered: ${data.percent.toFixed(1)}% of techniques. Gaps scored by how many of ${data.groupCount} groups use them.`,
    domain: ctx.domain,
    attackVersion: ctx.attackVersion,
    annotations,
    gradient: { colors: [COLORS.white, COLORS.red], minValue: 0, maxValue: max },
    legendItems: [
      { label: 'Covered', color: COLORS.green },
      { label: 'Partially covered (some sub-techniques)', color: COLORS.yellow },
      { label: 'Not covered, used by many groups', color: COLORS.red },
    ],
  });
}

export interface PlanData {
  steps: { mitigation: Named; added: readonly string[] }[];
  uncovered: readonly string[];
  percent: number;
  /** The layer's name and what a step is (default: "Mitigation plan", "mitigations"); a control plan names its framework. */
  name?: string;
  stepsAre?: string;
}

/** A mitigation plan: each target technique scored by the step that covers it; the rest red. */
export function mitigationPlanLayer(ctx: Context, data: PlanData): Layer {
  const annotations: Annotation[] = [];
  data.steps.forEach((step, i) => {
    for (const technique of step.added)
      annotations.push(
        ...annotate(ctx.catalog, technique, {
          score: i + 1,
          comment: `Step ${i + 1}: ${label(step.mitigation)}`,
        }),
      );
  });
  for (const technique of data.uncovered)
    annotations.push(
      ...annotate(ctx.catalog, technique, { color: COLORS.red, comment: 'Not covered by the plan' }),
    );
  return buildLayer({
    name: data.name ?? 'Mitigation plan',
    description: `${data.steps.length} ${data.stepsAre ?? 'mitigations'} covering ${data.percent.toFixed(1)}% of the target techniques; score = the step that covers each.`,
    domain: ctx.domain,
    attackVersion: ctx.attackVersion,
    annotations,
    gradient: {
      colors: [COLORS.green, COLORS.yellow],
      minValue: 1,
      maxValue: Math.max(2, data.steps.length),
    },
    legendItems: [
      { label: 'Covered by an early step', color: COLORS.green },
      { label: 'Covered by a late step', color: COLORS.yellow },
      { label: 'Not covered by the plan', color: COLORS.red },
    ],
    metadata: data.steps.map((s, i) => ({ name: `step ${i + 1}`, value: label(s.mitigation) })),
  });
}
