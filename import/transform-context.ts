import type { Domain } from '../src/model.ts';
import type { NodeWriteRow, RelRow } from './rows.ts';
import type { KnownObject } from './transform.ts';
import { expectation, type Problem, type StixObject } from './validate.ts';

/* What transform's stages share: the lookups they resolve references with, and what they produce. */

/** A tactic or technique a reference by shortname or ATT&CK ID may mean. */
export type Candidate = { id: string; attackId: string | null; revoked: boolean; deprecated: boolean };
export const active = (c: Candidate) => !c.revoked && !c.deprecated;

/** What the stages share: the bundle's objects, what they are looked up by, and what they produce. */
export interface Context {
  domain: Domain;
  byId: Map<string, StixObject>;
  /** Objects of the graph that the bundle does not carry (incremental pulls). */
  knownById: Map<string, KnownObject>;
  nodeById: Map<string, NodeWriteRow>;
  tacticsByShortname: Map<string, Candidate[]>;
  techniquesByAttackId: Map<string, Candidate[]>;
  /** Sub-techniques with a parent link, from the bundle or the graph. */
  hasParent: Set<string>;
  rels: Map<string, RelRow>;
  problems: Problem[];
  notes: string[];
  unknownRelationshipTypes: Record<string, number>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function createContext(
  objects: StixObject[],
  nodes: NodeWriteRow[],
  domain: Domain,
  known: KnownObject[],
): Context {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const ctx: Context = {
    domain,
    byId,
    knownById: new Map(known.filter((k) => !byId.has(k.stixId)).map((k) => [k.stixId, k])),
    nodeById: new Map(nodes.map((n) => [n.stixId, n])),
    tacticsByShortname: new Map(),
    techniquesByAttackId: new Map(),
    hasParent: new Set(known.filter((k) => k.hasParent).map((k) => k.stixId)),
    rels: new Map(),
    problems: [],
    notes: [],
    unknownRelationshipTypes: {},
  };
  for (const n of nodes) {
    const c = {
      id: n.stixId,
      attackId: n.attackId,
      revoked: !!n.props.revoked,
      deprecated: !!n.props.deprecated,
    };
    if (n.type === 'x-mitre-tactic') push(ctx.tacticsByShortname, String(n.props.shortname), c);
    if (n.type === 'attack-pattern' && n.attackId) push(ctx.techniquesByAttackId, n.attackId, c);
  }
  for (const k of ctx.knownById.values()) {
    const c = { id: k.stixId, attackId: k.attackId, revoked: k.revoked, deprecated: k.deprecated };
    if (k.stixType === 'x-mitre-tactic' && k.shortname) push(ctx.tacticsByShortname, k.shortname, c);
    if (k.stixType === 'attack-pattern' && k.attackId) push(ctx.techniquesByAttackId, k.attackId, c);
  }
  return ctx;
}

export function problem(ctx: Context, o: { id: string }, path: string, expected: string) {
  ctx.problems.push({
    stixId: o.id,
    attackId: ctx.nodeById.get(o.id)?.attackId ?? null,
    type: o.id.split('--')[0] ?? null,
    path,
    expected: expectation(expected),
  });
}

/** Checks a reference from `o.path` to an object of one of `types` in this bundle (or the graph). */
export function refOk(ctx: Context, o: { id: string }, path: string, ref: string, types: readonly string[]) {
  const type = ctx.byId.get(ref)?.type ?? ctx.knownById.get(ref)?.stixType;
  if (!type)
    problem(ctx, o, path, `a reference to a valid object in the bundle (${ref} is missing or invalid)`);
  else if (!types.includes(type))
    problem(ctx, o, path, `a reference to ${types.join(' or ')} (${ref} is ${type})`);
  else return true;
  return false;
}

export const add = (ctx: Context, r: RelRow) => ctx.rels.set(r.key, r);
