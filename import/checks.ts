import type { NodeType } from '../src/model.ts';
import { attackRef } from './rows.ts';
import type { Problem, Relationship, StixObject } from './validate.ts';

/*
 * Checks that need more than one object's schema: sizes, unique ids, ATT&CK ID forms, and
 * duplicate current ATT&CK IDs. Each returns problems; the caller drops the objects they name, so
 * that relaxed mode loads the rest.
 */

/**
 * Sizes far above anything in the real bundles (the longest description is about 8.5 K characters,
 * the longest name 124, the largest object 240 KB), and far below what hurts the graph.
 */
export const FIELD_LIMITS = {
  /** `name` of any object, in characters. */
  name: 1024,
  /** Any other string (descriptions, detection text, URLs), in characters. */
  text: 1024 * 1024,
  /** All strings of one object together, in characters. */
  object: 4 * 1024 * 1024,
  /** Nesting of arrays and objects inside one object. */
  depth: 16,
} as const;

type Size = { path: string; expected: string };
type Found = { keys: (string | number)[]; expected: string };

/**
 * Walks one value: recursion stops at the nesting limit, so a deep document cannot overflow the
 * stack, and the path is built only for a value that breaks a limit (the walk runs over every
 * string of every object).
 */
function walk(value: unknown, key: string | number, depth: number, total: { n: number }): Found | null {
  if (typeof value === 'string') {
    total.n += value.length;
    const limit = key === 'name' && depth === 1 ? FIELD_LIMITS.name : FIELD_LIMITS.text;
    if (value.length > limit)
      return { keys: [key], expected: `at most ${limit} characters (it has ${value.length})` };
    if (total.n > FIELD_LIMITS.object)
      return {
        keys: [key],
        expected: `an object whose strings total at most ${FIELD_LIMITS.object} characters`,
      };
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= FIELD_LIMITS.depth)
    return { keys: [key], expected: `nesting at most ${FIELD_LIMITS.depth} levels deep` };
  let found: Found | null = null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && !found; i++) found = walk(value[i], i, depth + 1, total);
  } else {
    for (const k in value) {
      total.n += k.length;
      found = walk((value as Record<string, unknown>)[k], k, depth + 1, total);
      if (found) break;
    }
  }
  if (found && depth > 0) found.keys.unshift(key);
  return found;
}

/** The first size limit a raw object breaks: its path and what was expected. */
export function sizeProblem(obj: Record<string, unknown>): Size | null {
  const found = walk(obj, '', 0, { n: 0 });
  if (!found) return null;
  const path = found.keys.reduce<string>(
    (out, k) => (typeof k === 'number' ? `${out}[${k}]` : out ? `${out}.${k}` : k),
    '',
  );
  return { path: path || 'objects', expected: found.expected };
}

const digits = '\\d{4,6}';
const technique = `T${digits}(\\.\\d{3})?`;
const form = (re: string, example: string) => ({ re: new RegExp(`^(${re})$`), example });
/** What each type's ATT&CK ID looks like: every prefix the real bundles 6.3 to 18.1 use. */
export const ATTACK_ID_FORMS: Record<NodeType, { re: RegExp; example: string }> = {
  'x-mitre-tactic': form(`TA${digits}`, 'TA0001'),
  'attack-pattern': form(technique, 'T1003 or T1003.001'),
  'intrusion-set': form(`G${digits}`, 'G0016'),
  malware: form(`S${digits}`, 'S0002'),
  tool: form(`S${digits}`, 'S0002'),
  // Deprecated mitigations of older releases carry the ID of the technique they belonged to.
  'course-of-action': form(`M${digits}|${technique}`, 'M1026 (or a technique ID, in old releases)'),
  campaign: form(`C${digits}`, 'C0024'),
  'x-mitre-data-source': form(`DS${digits}`, 'DS0026'),
  'x-mitre-data-component': form(`DC${digits}`, 'DC0001'),
  'x-mitre-detection-strategy': form(`DET${digits}`, 'DET0001'),
  'x-mitre-analytic': form(`AN${digits}`, 'AN0001'),
  'x-mitre-asset': form(`A${digits}`, 'A0001'),
  'x-mitre-matrix': form('enterprise-attack|mobile-attack|ics-attack', 'enterprise-attack'),
};

type Node = Exclude<StixObject, Relationship>;
const isCurrent = (o: Node) => !o.revoked && !o.x_mitre_deprecated;
/** Malware and tools share the S IDs of one namespace. */
const family = (type: string) => (type === 'malware' || type === 'tool' ? 'software' : type);
const shown = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** ATT&CK IDs of the wrong form, and current objects of one kind that share an ATT&CK ID. */
export function attackIdProblems(objects: StixObject[]): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, Node[]>();
  for (const o of objects) {
    if (o.type === 'relationship') continue;
    const ref = attackRef(o.external_references);
    if (!ref?.external_id) continue;
    const id = ref.external_id;
    const path = `external_references[${o.external_references.indexOf(ref)}].external_id`;
    const { re, example } = ATTACK_ID_FORMS[o.type];
    if (!re.test(id)) {
      problems.push({
        stixId: o.id,
        attackId: null,
        type: o.type,
        path,
        expected: `expected an ATT&CK ID of the form ${example} for ${o.type} (got ${shown(id)})`,
      });
      continue;
    }
    if (!isCurrent(o)) continue;
    const key = `${family(o.type)} ${id}`;
    owners.set(key, [...(owners.get(key) ?? []), o]);
  }
  for (const group of owners.values()) {
    if (group.length < 2) continue;
    for (const o of group) {
      const ref = attackRef(o.external_references);
      const others = group.filter((x) => x !== o).map((x) => x.id);
      problems.push({
        stixId: o.id,
        attackId: ref?.external_id ?? null,
        type: o.type,
        path: `external_references[${ref ? o.external_references.indexOf(ref) : 0}].external_id`,
        expected: `expected an ATT&CK ID no other current ${family(o.type)} object has (${others.join(', ')} has it too)`,
      });
    }
  }
  return problems;
}

/** The edges that lie on a cycle, self-loops included (Tarjan's components, without recursion). */
export function cycleEdges<E extends { from: string; to: string }>(edges: E[]): E[] {
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const component = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  let components = 0;
  const visit = (v: string, work: [string, number][]) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    work.push([v, 0]);
  };
  for (const root of out.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [];
    visit(root, work);
    while (work.length) {
      const frame = work[work.length - 1] as [string, number];
      const [v, i] = frame;
      const next = (out.get(v) ?? [])[i];
      if (next !== undefined) {
        frame[1]++;
        if (!index.has(next)) visit(next, work);
        else if (onStack.has(next)) low.set(v, Math.min(low.get(v) ?? 0, index.get(next) ?? 0));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0]) ?? 0, low.get(v) ?? 0));
      if (low.get(v) !== index.get(v)) continue;
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.set(w, components);
      } while (w !== v);
      components++;
    }
  }
  return edges.filter((e) => e.from === e.to || component.get(e.from) === component.get(e.to));
}
