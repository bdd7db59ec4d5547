/**
 * ATT&CK Navigator layers, format 4.5 (mitre-attack/attack-navigator, layers/spec/v4.5). Pure:
 * callers pass techniques with their tactics and scores; this module lays them out.
 */

export const NAVIGATOR_VERSION = '5.1.0';
export const LAYER_VERSION = '4.5';

export interface LayerTechnique {
  techniqueID: string;
  tactic?: string;
  score?: number;
  color?: string;
  comment?: string;
  enabled: boolean;
  showSubtechniques?: boolean;
  metadata?: { name: string; value: string }[];
}

export interface Layer {
  name: string;
  versions: { attack?: string; navigator: string; layer: string };
  domain: string;
  description: string;
  sorting: number;
  layout: {
    layout: 'side';
    aggregateFunction: 'average' | 'min' | 'max' | 'sum';
    showID: boolean;
    showName: boolean;
    showAggregateScores: boolean;
    countUnscored: boolean;
    expandedSubtechniques: 'none' | 'all' | 'annotated';
  };
  hideDisabled: boolean;
  techniques: LayerTechnique[];
  gradient: { colors: string[]; minValue: number; maxValue: number };
  legendItems: { label: string; color: string }[];
  showTacticRowBackground: boolean;
  tacticRowBackground: string;
  selectTechniquesAcrossTactics: boolean;
  selectSubtechniquesWithParent: boolean;
  selectVisibleTechniques: boolean;
  metadata: { name: string; value: string }[];
  links: { label: string; url: string }[];
}

/** One annotated technique; `tactics` are the shortnames it appears under. */
export interface Annotation {
  attackId: string;
  tactics: string[];
  /** The parent technique's ATT&CK ID, for sub-techniques. */
  parentAttackId?: string | null;
  score?: number;
  color?: string;
  comment?: string;
  metadata?: { name: string; value: string }[];
}

export interface LayerSpec {
  name: string;
  description: string;
  domain: string;
  /** The ATT&CK release, such as `18.1`; the layer records its major version. */
  attackVersion: string | null;
  annotations: Annotation[];
  gradient: { colors: string[]; minValue: number; maxValue: number };
  legendItems?: { label: string; color: string }[];
  metadata?: { name: string; value: string }[];
}

export const COLORS = {
  white: '#ffffff',
  red: '#ff6666',
  yellow: '#ffe766',
  green: '#8ec843',
  blue: '#66b1ff',
  grey: '#bbbbbb',
} as const;

/** Builds a layer: one technique entry per (technique, tactic); parents of annotated sub-techniques open. */
export function buildLayer(spec: LayerSpec): Layer {
  const openParents = new Set(spec.annotations.map((a) => a.parentAttackId).filter((p): p is string => !!p));
  const techniques: LayerTechnique[] = [];
  const sorted = [...spec.annotations].sort((a, b) =>
    a.attackId < b.attackId ? -1 : a.attackId > b.attackId ? 1 : 0,
  );
  for (const a of sorted) {
    for (const tactic of [...a.tactics].sort()) {
      const entry: LayerTechnique = { techniqueID: a.attackId, tactic, enabled: true };
      if (a.score !== undefined) entry.score = a.score;
      if (a.color) entry.color = a.color;
      if (a.comment) entry.comment = a.comment;
      if (a.metadata?.length) entry.metadata = a.metadata;
      if (openParents.has(a.attackId)) entry.showSubtechniques = true;
      techniques.push(entry);
    }
  }
  // Parents that are not annotated themselves still open to show their annotated sub-techniques.
  const annotated = new Set(spec.annotations.map((a) => a.attackId));
  for (const parent of openParents) {
    if (!annotated.has(parent))
      techniques.push({ techniqueID: parent, enabled: true, showSubtechniques: true });
  }
  const { minValue, maxValue } = spec.gradient;
  return {
    name: spec.name,
    versions: {
      ...(spec.attackVersion ? { attack: spec.attackVersion.split('.')[0] } : {}),
      navigator: NAVIGATOR_VERSION,
      layer: LAYER_VERSION,
    },
    domain: spec.domain,
    description: spec.description,
    sorting: 3,
    layout: {
      layout: 'side',
      aggregateFunction: 'max',
      showID: true,
      showName: true,
      showAggregateScores: false,
      countUnscored: false,
      expandedSubtechniques: 'annotated',
    },
    hideDisabled: false,
    techniques,
    // The Navigator requires maxValue > minValue.
    gradient: {
      colors: spec.gradient.colors,
      minValue,
      maxValue: maxValue > minValue ? maxValue : minValue + 1,
    },
    legendItems: spec.legendItems ?? [],
    showTacticRowBackground: false,
    tacticRowBackground: '#dddddd',
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
    metadata: spec.metadata ?? [],
    links: [],
  };
}
