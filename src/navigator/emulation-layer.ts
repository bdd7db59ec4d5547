import { buildLayer, COLORS, type Layer } from './layer.ts';

/** One technique of an emulation plan, as the layer needs it. */
export interface EmulationLayerStep {
  attackId: string | null;
  parentAttackId: string | null;
  tactics: string[];
  tests: number;
}

/** An emulation plan as a layer: techniques with an atomic test green, those without red. */
export function emulationPlanLayer(
  spec: { actor: string; platform: string | null; domain: string; attackVersion: string | null },
  steps: readonly EmulationLayerStep[],
): Layer {
  const tested = steps.filter((s) => s.tests > 0).length;
  return buildLayer({
    name: `${spec.actor} emulation plan${spec.platform ? ` (${spec.platform})` : ''}`,
    description: `${steps.length} techniques of ${spec.actor}${spec.platform ? ` on ${spec.platform}` : ''}: ${tested} with an atomic test, ${steps.length - tested} without.`,
    domain: spec.domain,
    attackVersion: spec.attackVersion,
    annotations: steps.flatMap((s) =>
      s.attackId
        ? [
            {
              attackId: s.attackId,
              tactics: s.tactics,
              parentAttackId: s.parentAttackId,
              color: s.tests > 0 ? COLORS.green : COLORS.red,
              score: s.tests,
              comment:
                s.tests > 0 ? `${s.tests} atomic test(s)` : 'No atomic test: the plan cannot exercise it',
            },
          ]
        : [],
    ),
    gradient: {
      colors: [COLORS.white, COLORS.green],
      minValue: 0,
      maxValue: Math.max(1, ...steps.map((s) => s.tests)),
    },
    legendItems: [
      { label: 'Has an atomic test', color: COLORS.green },
      { label: 'No atomic test', color: COLORS.red },
    ],
  });
}
