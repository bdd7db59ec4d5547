import { z } from 'zod';
import { LAYER_VERSION, NAVIGATOR_VERSION } from '../navigator/layer.ts';
import type { Catalog, CatalogObject } from './catalog.ts';
import { type Lookup, lookup, tacticIds, tacticOf } from './lookup.ts';
import { type MigratedItem, migrate } from './migrate.ts';

/*
 * Navigator layers of any 4.x format in, layer format 4.5 out (mitre-attack/attack-navigator,
 * layers/spec/v4.5). Every field of the input layer and of each technique is kept; each technique
 * records its outcome in its metadata.
 */

const divider = z.object({ divider: z.boolean() });
const metadata = z.array(z.union([z.object({ name: z.string(), value: z.string() }), divider]));
const links = z.array(z.union([z.object({ label: z.string(), url: z.string() }), divider]));

const technique = z.looseObject({
  techniqueID: z.string().min(1),
  tactic: z.string().optional(),
  comment: z.string().optional(),
  enabled: z.boolean().optional(),
  score: z.number().nullable().optional(),
  color: z.string().optional(),
  metadata: metadata.optional(),
  links: links.optional(),
  showSubtechniques: z.boolean().optional(),
});
export type LayerTechnique = z.infer<typeof technique>;

const layerSchema = z.looseObject({
  name: z.string(),
  versions: z.looseObject({
    attack: z.string().optional(),
    navigator: z.string().optional(),
    layer: z.string().regex(/^4\.\d+$/, 'a layer format version 4.x'),
  }),
  domain: z.string(),
  description: z.string().optional(),
  techniques: z.array(technique).default([]),
  metadata: metadata.optional(),
});
export type NavigatorLayer = z.infer<typeof layerSchema>;

/** A layer that cannot be read; `field` names where (`layer` for the whole document). */
export class LayerError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'LayerError';
  }
}

const fieldOf = (path: PropertyKey[]) =>
  path.reduce<string>((out, k) => (typeof k === 'number' ? `${out}[${k}]` : `${out}.${String(k)}`), 'layer');

/** Stage 1: a layer file's text (or parsed JSON) -> a 4.x layer of `domain`, or a LayerError. */
export function parseLayer(input: unknown, domain: string): NavigatorLayer {
  let json = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new LayerError('layer', `not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new LayerError(
      'layer',
      `not a Navigator layer: expected one JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  const { version: old, versions } = json as { version?: unknown; versions?: unknown };
  if (versions === undefined && old !== undefined)
    throw new LayerError(
      'layer.version',
      `a layer of format ${String(old)}; expected format 4.x (a "versions" object)`,
    );
  const parsed = layerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LayerError(
      fieldOf(issue?.path ?? []),
      `not a Navigator 4.x layer: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (parsed.data.domain !== domain)
    throw new LayerError(
      'layer.domain',
      `a layer for ${domain} was expected, this one is for ${parsed.data.domain}`,
    );
  return parsed.data;
}

/** The tactics a migrated entry goes under: its own tactic in Y, else the ones the technique gained. */
function tacticsFor(
  x: Lookup,
  y: Lookup,
  entry: LayerTechnique,
  before: CatalogObject | undefined,
  after: CatalogObject,
) {
  if (entry.tactic === undefined) return [undefined];
  const own = tacticOf(x, entry.tactic);
  const same = own && y.byStixId.get(own.stixId);
  const shortnames = (ids: string[]) => ids.flatMap((id) => y.byStixId.get(id)?.tactics ?? []);
  const now = tacticIds(y, after);
  if (same && now.includes(same.stixId)) return shortnames([same.stixId]);
  const was = new Set(before ? tacticIds(x, before) : []);
  const gained = now.filter((id) => !was.has(id));
  const out = shortnames(gained.length ? gained : now);
  return out.length ? out : [undefined];
}

const MOVES = new Set(['unchanged', 'renamed', 'moved', 'replaced', 'unknown-in-from']);

function migrateEntry(x: Lookup, y: Lookup, entry: LayerTechnique, m: MigratedItem): LayerTechnique[] {
  const note = [
    { divider: true },
    { name: 'migration', value: m.outcome },
    {
      name: 'migration from',
      value: `${entry.techniqueID}${entry.tactic ? ` (${entry.tactic})` : ''}, ATT&CK ${x.catalog.release}`,
    },
    { name: 'migration reason', value: m.reason },
  ];
  const annotated = { ...entry, metadata: [...(entry.metadata ?? []), ...note] };
  const target =
    m.to.length === 1 && MOVES.has(m.outcome) ? y.byStixId.get(m.to[0]?.stixId ?? '') : undefined;
  if (!target?.attackId) return [annotated];
  const before = m.from ? x.byStixId.get(m.from.stixId) : undefined;
  return tacticsFor(x, y, entry, before, target).map((tactic) => {
    const out: LayerTechnique = { ...annotated, techniqueID: target.attackId as string };
    if (tactic === undefined) delete out.tactic;
    else out.tactic = tactic;
    return out;
  });
}

/** Two entries that land on one technique and tactic: the first wins, the second's note is kept. */
function merge(entries: LayerTechnique[]): LayerTechnique[] {
  const byKey = new Map<string, LayerTechnique>();
  for (const e of entries) {
    const key = `${e.techniqueID} ${e.tactic ?? '*'}`;
    const first = byKey.get(key);
    if (!first) byKey.set(key, e);
    else
      first.metadata = [
        ...(first.metadata ?? []),
        ...(e.metadata ?? []).filter((m) => 'name' in m && m.name.startsWith('migration')),
      ];
  }
  return [...byKey.values()];
}

export interface MigratedLayer {
  layer: NavigatorLayer;
  /** One per technique entry of the input layer, in order. */
  entries: MigratedItem[];
}

/** Pure: a Navigator 4.x layer named in release `from`, as a 4.5 layer of release `to`. */
export function migrateLayer(input: unknown, from: Catalog, to: Catalog): MigratedLayer {
  const layer = parseLayer(input, from.domain);
  const x = lookup(from);
  const y = lookup(to);
  const entries = migrate(
    layer.techniques.map((t) => t.techniqueID),
    from,
    to,
  );
  const techniques = merge(
    layer.techniques.flatMap((t, i) => migrateEntry(x, y, t, entries[i] as MigratedItem)),
  );
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.outcome, (counts.get(e.outcome) ?? 0) + 1);
  const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'no techniques';
  return {
    entries,
    layer: {
      ...layer,
      versions: {
        ...layer.versions,
        attack: to.release.split('.')[0],
        navigator: NAVIGATOR_VERSION,
        layer: LAYER_VERSION,
      },
      techniques,
      metadata: [
        ...(layer.metadata ?? []),
        { name: 'migration', value: `ATT&CK ${from.release} -> ${to.release}: ${summary}` },
      ],
    },
  };
}
