import { describe, expect, it } from 'vitest';
import { asKnown, classify, type Holder, outsideReferences } from '../../import/references.ts';
import { transform } from '../../import/transform.ts';
import { fixturePath } from '../helpers/paths.ts';
import { stageBundle } from '../helpers/stages.ts';

/** The pure half of published defects: which relationships leave the bundle, and what they become. */

const DEFECT = 'relationship--00000000-0000-4000-8000-00000000c502';
const MALWARE = 'malware--00000000-0000-4000-8000-00000000c400';

const staged = () => {
  const { raw, validated, rows } = stageBundle(fixturePath('cross-enterprise.json'));
  const ids = new Set(raw.map((o) => o.id));
  return { validated, rows, outside: outsideReferences(validated.objects, (id) => ids.has(id)) };
};

describe('outside references', () => {
  it('finds the relationship whose target is no object of the bundle, and only it', () => {
    const { outside } = staged();
    expect(outside.map((o) => [o.rel.id, o.type, o.missing])).toEqual([[DEFECT, 'USES', [MALWARE]]]);
  });

  it('with no holder: a defect, not written, and no longer a problem', () => {
    const { rows, outside } = staged();
    expect(rows.problems.map((p) => [p.stixId, p.path])).toEqual([[DEFECT, 'target_ref']]);
    const out = classify(outside, new Map(), rows.problems);
    expect(out.problems).toEqual([]);
    expect(out.defects).toEqual([
      expect.objectContaining({ stixId: DEFECT, missing: [MALWARE], foundIn: [], written: false }),
    ]);
    expect(out.records.map((r) => r.key)).toEqual([DEFECT]);
  });

  it('with a holder of the right type: the transform writes it, and it is reported as found', () => {
    const { validated, outside } = staged();
    const holders = new Map<string, Holder>([
      [MALWARE, { stixId: MALWARE, stixType: 'malware', domains: ['mobile-attack'] }],
    ]);
    const rows = transform(validated.objects, 'enterprise-attack', asKnown(holders));
    expect(rows.problems).toEqual([]);
    expect(rows.rels.map((r) => r.key)).toContain(DEFECT);
    const out = classify(outside, holders, rows.problems);
    expect(out.defects).toEqual([expect.objectContaining({ foundIn: ['mobile-attack'], written: true })]);
    // The record is the very row the transform wrote, so completing it later gives the same hash.
    expect(out.records).toEqual(rows.rels.filter((r) => r.key === DEFECT));
  });

  it('with a holder of the wrong type: a problem, and no defect', () => {
    const { validated, outside } = staged();
    const holders = new Map<string, Holder>([
      [MALWARE, { stixId: MALWARE, stixType: 'x-mitre-tactic', domains: ['mobile-attack'] }],
    ]);
    const rows = transform(validated.objects, 'enterprise-attack', asKnown(holders));
    const out = classify(outside, holders, rows.problems);
    expect(out.problems).toEqual([expect.objectContaining({ stixId: DEFECT, path: 'target_ref' })]);
    expect(out.defects).toEqual([]);
  });
});
