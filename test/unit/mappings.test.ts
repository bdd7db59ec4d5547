import { describe, expect, it } from 'vitest';
import { formatMappingProblem, validateMappingFile } from '../../import/mappings/schema.ts';
import { compareFrameworkVersions, transformMappingFile } from '../../import/mappings/transform.ts';
import { canonicalControlId, controlKey, normaliseMappingType } from '../../src/controls.ts';

const metadata = {
  mapping_version: '',
  attack_version: '16.1',
  technology_domain: 'enterprise',
  creation_date: '01/13/2022',
  mapping_framework: 'nist_800_53',
  mapping_framework_version: 'rev5',
  mapping_types: { mitigates: { name: 'mitigates', description: '' } },
  capability_groups: { AC: 'Access Control' },
};
const entry = (o: Record<string, unknown>) => ({
  capability_id: 'AC-02',
  capability_description: 'Account Management',
  capability_group: 'AC',
  mapping_type: 'mitigates',
  attack_object_id: 'T1078',
  attack_object_name: 'Valid Accounts',
  status: 'complete',
  ...o,
});

describe('control ids', () => {
  it('NIST ids lose their zero padding; both spellings find one control', () => {
    expect(canonicalControlId('nist_800_53', 'AC-02')).toBe('AC-2');
    expect(canonicalControlId('nist_800_53', 'ac-2')).toBe('AC-2');
    expect(canonicalControlId('nist_800_53', 'AC-02(01)')).toBe('AC-2(1)');
    expect(canonicalControlId('nist_800_53', 'SC-10')).toBe('SC-10');
    expect(controlKey('nist_800_53', 'AC-02')).toBe(controlKey('nist_800_53', 'AC-2'));
  });
  it('other frameworks keep their ids, found case-insensitively', () => {
    expect(canonicalControlId('csa_ccm', 'STA-06')).toBe('STA-06');
    expect(controlKey('veris', 'Action.Hacking.Variety.Other')).toBe(
      controlKey('veris', 'action.hacking.variety.Other'),
    );
  });
});

describe('mapping types', () => {
  it('normalises the spellings the files use', () => {
    expect(normaliseMappingType('technique_score')).toBe('technique_scores');
    expect(normaliseMappingType('technique_scores')).toBe('technique_scores');
    expect(normaliseMappingType('non_mappable')).toBe('non_mappable');
    expect(normaliseMappingType(null)).toBe('non_mappable');
    expect(normaliseMappingType('Related-To')).toBe('related_to');
    expect(normaliseMappingType('blocks')).toBeUndefined();
  });
});

describe('framework versions', () => {
  it('orders dates as dates and other versions by their numbers', () => {
    expect(compareFrameworkVersions('01/15/2025', '12/12/2024')).toBe(1);
    expect(compareFrameworkVersions('7/28/2025', '07/28/2025')).toBe(0);
    expect(compareFrameworkVersions('rev4', 'rev5')).toBe(-1);
    expect(compareFrameworkVersions('v2.1', 'v2.0')).toBe(1);
    expect(compareFrameworkVersions('1.4.0', '1.4')).toBe(0);
  });
});

describe('validation and transform', () => {
  it('turns entries into controls, mappings and "no mapping" lists', () => {
    const r = validateMappingFile(
      {
        metadata,
        mapping_objects: [
          entry({}),
          entry({ capability_id: 'AC-2', attack_object_id: 'T1110' }),
          entry({
            capability_id: null,
            capability_group: null,
            mapping_type: null,
            status: 'non_mappable',
            attack_object_id: 'T1496.002',
          }),
          entry({ attack_object_id: null }),
        ],
      },
      'f.json',
    );
    if (!r.ok) throw new Error(r.problems.map(formatMappingProblem).join('\n'));
    const set = transformMappingFile(r.value);
    expect(set.key).toBe('nist_800_53|enterprise');
    expect(set.controls.map((c) => [c.id, c.groupName])).toEqual([['AC-2', 'Access Control']]);
    expect(set.mappings.map((m) => [m.attackId, m.mappingType, m.index])).toEqual([
      ['T1078', 'mitigates', 0],
      ['T1110', 'mitigates', 1],
    ]);
    expect(set.unmappableTechniques).toEqual(['T1496.002']);
    expect(set.incomplete).toEqual([{ index: 3, missing: 'attack_object_id' }]);
  });

  it('names file, index, field and expectation of every problem', () => {
    const r = validateMappingFile(
      {
        metadata: { ...metadata, mapping_framework: 'kev', attack_version: undefined },
        mapping_objects: [
          entry({ capability_id: 'CVE-2024-1' }),
          entry({ mapping_type: 'blocks', extra: 1 }),
        ],
      },
      'k.json',
    );
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : r.problems.map(formatMappingProblem);
    expect(lines).toContainEqual(expect.stringMatching(/^k\.json: metadata\.attack_version: /));
    expect(lines).toContain(
      'k.json: mapping_objects[0] capability_id: expected a CVE id such as CVE-2024-3400, got "CVE-2024-1"',
    );
    expect(lines).toContainEqual(expect.stringMatching(/^k\.json: mapping_objects\[1\] /));
  });

  it('refuses what is not a mapping file at all', () => {
    const r = validateMappingFile({ type: 'bundle', objects: [] }, 'b.json');
    const lines = r.ok ? [] : r.problems.map(formatMappingProblem);
    expect(lines).toContain(
      'b.json: type: no such field: a mapping file has only `metadata` and `mapping_objects`',
    );
    expect(lines).toContainEqual(expect.stringMatching(/^b\.json: metadata: /));
    expect(validateMappingFile([], 'a.json').ok).toBe(false);
  });
});
