/*
 * Sigma tags (https://sigmahq.io/docs/basics/tags.html): `namespace.value`, lowercase. The `attack`
 * namespace names ATT&CK techniques (`attack.t1003.001`), groups (`attack.g0016`), software
 * (`attack.s0002`) and tactics by shortname (`attack.credential-access`; old rules write
 * `attack.defense_evasion`). Pure: shared by the importer and the API's rule upload.
 */

/** Any tag: a lowercase namespace, a dot, a value (`car.2013-09-005`, `cve.2026-54121`). */
const TAG = /^[a-z][a-z0-9_-]*\.[a-z0-9][a-z0-9._-]*$/;
const TECHNIQUE = /^attack\.t(\d{4})(\.\d{3})?$/;
const OBJECT = /^attack\.([gs])(\d{4})$/;
const TACTIC = /^attack\.([a-z]+(?:[-_][a-z]+)*)$/;

export type SigmaTag =
  | { kind: 'technique'; attackId: string }
  | { kind: 'group' | 'software'; attackId: string }
  | { kind: 'tactic'; shortname: string }
  | { kind: 'other' };

/** What a tag names, or why it is malformed (a sentence naming what was expected). */
export function parseTag(tag: string): SigmaTag | { error: string } {
  if (!TAG.test(tag))
    return {
      error: `expected a lowercase tag namespace.value such as attack.t1003.001 or attack.credential-access, got ${JSON.stringify(tag)}`,
    };
  if (!tag.startsWith('attack.')) return { kind: 'other' };
  const technique = TECHNIQUE.exec(tag);
  if (technique) return { kind: 'technique', attackId: `T${technique[1]}${technique[2] ?? ''}` };
  const object = OBJECT.exec(tag);
  if (object)
    return {
      kind: object[1] === 'g' ? 'group' : 'software',
      attackId: `${object[1]?.toUpperCase()}${object[2]}`,
    };
  // `attack.t1003.1`, `attack.t103`, `attack.g16`: an ID in the wrong form, never a tactic.
  if (/^attack\.[tgs]\d/.test(tag))
    return {
      error: `expected an ATT&CK ID tag attack.tNNNN, attack.tNNNN.NNN, attack.gNNNN or attack.sNNNN, got ${JSON.stringify(tag)}`,
    };
  const tactic = TACTIC.exec(tag);
  if (tactic?.[1]) return { kind: 'tactic', shortname: tactic[1].replaceAll('_', '-') };
  return {
    error: `expected attack.<technique ID> or attack.<tactic shortname>, got ${JSON.stringify(tag)}`,
  };
}
