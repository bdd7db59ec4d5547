/**
 * Answers computed straight from a raw enterprise STIX bundle, independently of the importer and
 * the API, with deliberately naive code: current (non-revoked, non-deprecated) objects and
 * relationships only; DIRECT usage.
 */
import { readFileSync } from 'node:fs';
import { bundlePath } from './paths.ts';

// biome-ignore lint/suspicious/noExplicitAny: raw STIX JSON, read the way a script would
export type Obj = Record<string, any>;

export const isCurrent = (o: Obj) => !o.revoked && !o.x_mitre_deprecated;
export const attackIdOf = (o: Obj): string | null =>
  o.external_references?.find((r: Obj) => r.source_name === 'mitre-attack' && r.external_id)?.external_id ??
  null;

export class Reference {
  readonly objects: Obj[];
  readonly byId = new Map<string, Obj>();
  readonly rels: Obj[];

  constructor(name: string) {
    this.objects = JSON.parse(readFileSync(bundlePath(name), 'utf8')).objects;
    for (const o of this.objects) this.byId.set(o.id, o);
    this.rels = this.objects.filter((o) => o.type === 'relationship' && isCurrent(o));
  }

  byAttackId(type: string, id: string): Obj {
    const found = this.objects.find((o) => o.type === type && isCurrent(o) && attackIdOf(o) === id);
    if (!found) throw new Error(`no current ${type} ${id}`);
    return found;
  }

  current(type: string): Obj[] {
    return this.objects.filter((o) => o.type === type && isCurrent(o));
  }

  /** Targets of current `kind` relationships from `id` to current objects of `type`. */
  out(id: string, kind: string, type: string): Set<string> {
    return new Set(
      this.rels
        .filter((r) => r.source_ref === id && r.relationship_type === kind)
        .map((r) => r.target_ref)
        .filter((t) => {
          const o = this.byId.get(t);
          return o && o.type === type && isCurrent(o);
        }),
    );
  }

  /** Techniques each current group uses directly, as ATT&CK IDs. */
  groupTechniques(): Map<string, Set<string>> {
    return this.techniquesBy('intrusion-set', 'uses');
  }

  /** Current objects of `type` -> the ATT&CK IDs of the techniques their `rel` relationships reach (non-empty only). */
  private techniquesBy(type: string, rel: string): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const o of this.current(type)) {
      const set = new Set(
        [...this.out(o.id, rel, 'attack-pattern')].map((t) => attackIdOf(this.byId.get(t) as Obj) as string),
      );
      if (set.size) out.set(attackIdOf(o) as string, set);
    }
    return out;
  }

  /** Current techniques: ATT&CK ID -> tactic shortnames, parent ATT&CK ID. */
  catalog(): Map<string, { tactics: string[]; parent: string | null; sub: boolean }> {
    const shortnames = new Set(this.current('x-mitre-tactic').map((t) => t.x_mitre_shortname));
    const out = new Map<string, { tactics: string[]; parent: string | null; sub: boolean }>();
    for (const t of this.current('attack-pattern')) {
      const id = attackIdOf(t) as string;
      const tactics = (t.kill_chain_phases ?? [])
        .filter((p: Obj) => p.kill_chain_name === 'mitre-attack' && shortnames.has(p.phase_name))
        .map((p: Obj) => p.phase_name as string);
      const sub = t.x_mitre_is_subtechnique ?? id.includes('.');
      out.set(id, { tactics, parent: sub ? (id.split('.')[0] as string) : null, sub });
    }
    return out;
  }

  /** Current mitigations: ATT&CK ID -> the ATT&CK IDs of current techniques they mitigate. */
  mitigations(): Map<string, Set<string>> {
    return this.techniquesBy('course-of-action', 'mitigates');
  }
}
