/*
 * The vocabulary of control mappings (Mappings Explorer files), shared by the importer that writes
 * them and the API that reads them: the canonical mapping types and the canonical form of control
 * ids. Pure; see docs/architecture.md "Control mappings" for the normalisation rules.
 */

/** The mapping types the graph stores, in the spelling the API answers with. */
export const MAPPING_TYPES = [
  'mitigates',
  'technique_scores',
  'exploitation_technique',
  'primary_impact',
  'secondary_impact',
  'uncategorized',
  'related_to',
] as const;
export type MappingType = (typeof MAPPING_TYPES)[number];

/** Spellings found in the published files besides the canonical ones. */
const SPELLINGS: Record<string, MappingType> = {
  technique_score: 'technique_scores',
  'related-to': 'related_to',
};

/** `non_mappable` and a `null` type both mean "no mapping": the entry is not a relationship. */
export const NON_MAPPABLE = 'non_mappable';

/**
 * The canonical mapping type of a file's `mapping_type`: `NON_MAPPABLE` for `non_mappable`, `null`
 * or an empty string; `undefined` for a type we do not know (the validator reports it).
 */
export function normaliseMappingType(
  raw: string | null | undefined,
): MappingType | typeof NON_MAPPABLE | undefined {
  if (raw == null) return NON_MAPPABLE;
  const key = raw.trim().toLowerCase().replace(/\s+/g, '_');
  if (key === '' || key === NON_MAPPABLE || key === 'non-mappable') return NON_MAPPABLE;
  if ((MAPPING_TYPES as readonly string[]).includes(key)) return key as MappingType;
  return SPELLINGS[key];
}

export const SCORE_CATEGORIES = ['protect', 'detect', 'respond'] as const;
export const SCORE_VALUES = ['minimal', 'partial', 'significant'] as const;

/** A CVE id, as KEV capabilities must be. */
export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** An ATT&CK technique or sub-technique id as the mapping files name them. */
export const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;

/** NIST SP 800-53: family, number, optional enhancement, zero-padded or not (`AC-02(01)`, `ac-2`). */
const NIST_ID = /^([A-Za-z]{2})-0*(\d+)(?:\s*\(0*(\d+)\))?$/;

/**
 * The canonical form of a control id: NIST 800-53 ids lose their zero padding (`AC-02` -> `AC-2`,
 * `AC-02(01)` -> `AC-2(1)`, as NIST writes them); other frameworks' ids are kept as written, trimmed.
 */
export function canonicalControlId(framework: string, id: string): string {
  const trimmed = id.trim();
  if (framework !== 'nist_800_53') return trimmed;
  const m = NIST_ID.exec(trimmed);
  if (!m) return trimmed;
  const [, family = '', number = '', enhancement] = m;
  return `${family.toUpperCase()}-${Number(number)}${enhancement ? `(${Number(enhancement)})` : ''}`;
}

/**
 * The key a control is found by: its canonical id, case-folded (VERIS files spell one id
 * `Action.Hacking…` and `action.hacking…`), so `AC-02`, `AC-2` and `ac-2` find the same control.
 */
export const controlKey = (framework: string, id: string) =>
  `${framework}|${canonicalControlId(framework, id).toLowerCase()}`;
