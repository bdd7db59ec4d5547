/**
 * Answers computed straight from a raw STIX bundle, independently of the importer, for comparing
 * with the API. Semantics mirror the API contract: revoked and deprecated objects (and
 * relationships) are hidden; objects in the middle of an inferred path must be current.
 */
import { readFileSync } from 'node:fs';
import { bundlePath } from './paths.ts';

export interface StixObject {
  id: string;
  type: string;
  name?: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  x_mitre_is_subtechnique?: boolean;
  x_mitre_shortname?: string;
  x_mitre_platforms?: string[];
  aliases?: string[];
  x_mitre_aliases?: string[];
  tactic_refs?: string[];
  kill_chain_phases?: { kill_chain_name: string; phase_name: string }[];
  external_references?: { source_name: string; external_id?: string; url?: string; description?: string }[];
  relationship_type?: string;
  source_ref?: string;
  target_ref?: string;
  description?: string;
  x_mitre_analytic_refs?: string[];
  x_mitre_log_source_references?: { x_mitre_data_component_ref: string; name: string; channel: string }[];
}

export type Via = 'DIRECT' | 'CAMPAIGN' | 'SOFTWARE';

const KILL_CHAIN: Record<string, string> = {
  'enterprise-attack': 'mitre-attack',
  'mobile-attack': 'mitre-mobile-attack',
  'ics-attack': 'mitre-ics-attack',
};

export const isActive = (o: StixObject) => !o.revoked && !o.x_mitre_deprecated;

/** Neo4j's ascending order for the API's stable sort: ATT&CK ID, name, STIX id; nulls last. */
export function compareStable(a: StixObject, b: StixObject): number {
  const keys = (o: StixObject) => [attackIdOf(o), o.name ?? null, o.id];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] ?? null;
    const y = kb[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function attackIdOf(o: StixObject): string | null {
  return (
    o.external_references?.find(
      (r) => r.source_name.startsWith('mitre-') && r.source_name.endsWith('attack') && r.external_id,
    )?.external_id ?? null
  );
}

export class StixIndex {
  readonly objects: StixObject[];
  readonly byId = new Map<string, StixObject>();
  readonly domain: string;
  private readonly out = new Map<string, StixObject[]>();
  private readonly in = new Map<string, StixObject[]>();

  constructor(name: string) {
    const bundle = JSON.parse(readFileSync(bundlePath(name), 'utf8')) as { objects: StixObject[] };
    this.objects = bundle.objects;
    this.domain = name.replace(/-\d.*$/, '');
    for (const o of this.objects) this.byId.set(o.id, o);
    for (const r of this.objects) {
      if (r.type !== 'relationship' || !r.source_ref || !r.target_ref) continue;
      this.out.set(r.source_ref, [...(this.out.get(r.source_ref) ?? []), r]);
      this.in.set(r.target_ref, [...(this.in.get(r.target_ref) ?? []), r]);
    }
  }

  ofType(type: string, all = false): StixObject[] {
    return this.objects.filter((o) => o.type === type && (all || isActive(o))).sort(compareStable);
  }

  byAttackId(type: string, attackId: string): StixObject {
    const found = this.objects.filter((o) => o.type === type && attackIdOf(o) === attackId);
    const pick = found.find(isActive) ?? found[0];
    if (!pick) throw new Error(`no ${type} ${attackId} in the bundle`);
    return pick;
  }

  /** Objects at the other end of current `kind` relationships from (out) or to (in) `id`. */
  related(id: string, kind: string, direction: 'out' | 'in', types: string[], all = false): StixObject[] {
    const rels = (direction === 'out' ? this.out : this.in).get(id) ?? [];
    const ids = new Set(
      rels
        .filter((r) => r.relationship_type === kind && isActive(r))
        .map((r) => (direction === 'out' ? r.target_ref : r.source_ref) as string),
    );
    return [...ids]
      .map((x) => this.byId.get(x))
      .filter((o): o is StixObject => !!o && types.includes(o.type) && (all || isActive(o)))
      .sort(compareStable);
  }

  /** The current relationship of `kind` from `from` to `to`, for its procedure text. */
  relationship(from: string, kind: string, to: string): StixObject | undefined {
    return (this.out.get(from) ?? []).find(
      (r) => r.relationship_type === kind && r.target_ref === to && isActive(r),
    );
  }

  /** Techniques (and sub-techniques) of a tactic, by the technique's kill chain phases in this domain. */
  techniquesInTactic(shortname: string, includeSubtechniques = true): StixObject[] {
    return this.ofType('attack-pattern').filter(
      (t) =>
        (includeSubtechniques || !this.isSubtechnique(t)) &&
        (t.kill_chain_phases ?? []).some(
          (p) => p.kill_chain_name === KILL_CHAIN[this.domain] && p.phase_name === shortname,
        ),
    );
  }

  isSubtechnique(t: StixObject): boolean {
    return t.x_mitre_is_subtechnique ?? /\.\d+$/.test(attackIdOf(t) ?? '');
  }

  /** Techniques an actor uses along the given paths, each with the paths that found it. */
  actorTechniques(actorId: string, via: Via[]): Map<string, Set<Via>> {
    const found = new Map<string, Set<Via>>();
    const add = (t: StixObject, v: Via) => found.set(t.id, (found.get(t.id) ?? new Set()).add(v));
    const techniquesOf = (id: string) => this.related(id, 'uses', 'out', ['attack-pattern']);
    if (via.includes('DIRECT')) for (const t of techniquesOf(actorId)) add(t, 'DIRECT');
    if (via.includes('CAMPAIGN'))
      for (const c of this.related(actorId, 'attributed-to', 'in', ['campaign']))
        for (const t of techniquesOf(c.id)) add(t, 'CAMPAIGN');
    if (via.includes('SOFTWARE'))
      for (const s of this.related(actorId, 'uses', 'out', ['malware', 'tool']))
        for (const t of techniquesOf(s.id)) add(t, 'SOFTWARE');
    return found;
  }

  /** Groups that use any of `techniques` along the given paths, with the techniques that put each there. */
  groupsUsing(techniques: StixObject[], via: Via[]): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    const wanted = new Set(techniques.map((t) => t.id));
    for (const g of this.ofType('intrusion-set')) {
      for (const t of this.actorTechniques(g.id, via).keys()) {
        if (wanted.has(t)) out.set(g.id, (out.get(g.id) ?? new Set()).add(t));
      }
    }
    return out;
  }

  /** Follows `revoked-by` to the end: the replacements in order. */
  revocationChain(id: string): StixObject[] {
    const chain: StixObject[] = [];
    let current = id;
    for (;;) {
      const next = (this.out.get(current) ?? []).find(
        (r) => r.relationship_type === 'revoked-by',
      )?.target_ref;
      const target = next ? this.byId.get(next) : undefined;
      if (!target || chain.includes(target)) return chain;
      chain.push(target);
      current = target.id;
    }
  }

  /** The ATT&CK ID of the object with this STIX id. */
  attackIdById(id: string): string | null {
    const o = this.byId.get(id);
    return o ? attackIdOf(o) : null;
  }

  /** The ATT&CK ID of the current tactic with this shortname. */
  tacticAttackId(shortname: string): string | null {
    const t = this.ofType('x-mitre-tactic').find((x) => x.x_mitre_shortname === shortname);
    return t ? attackIdOf(t) : null;
  }

  ids(objects: Iterable<StixObject | string>): (string | null)[] {
    return [...objects].map((o) => attackIdOf(typeof o === 'string' ? (this.byId.get(o) as StixObject) : o));
  }

  sorted(ids: Iterable<string>): StixObject[] {
    return [...ids].map((id) => this.byId.get(id) as StixObject).sort(compareStable);
  }
}
