import { readFileSync } from 'node:fs';

/**
 * Expected graph counts computed straight from a raw STIX bundle, independently of the importer's
 * code: what the graph must hold for that bundle's domain.
 */
// biome-ignore lint/suspicious/noExplicitAny: raw STIX JSON, read the way a script would
type Obj = Record<string, any>;

const LABELS: Record<string, string[]> = {
  'x-mitre-tactic': ['Tactic'],
  'attack-pattern': ['Technique'],
  'intrusion-set': ['Group'],
  malware: ['Software', 'Malware'],
  tool: ['Software', 'Tool'],
  'course-of-action': ['Mitigation'],
  campaign: ['Campaign'],
  'x-mitre-data-source': ['DataSource'],
  'x-mitre-data-component': ['DataComponent'],
  'x-mitre-detection-strategy': ['DetectionStrategy'],
  'x-mitre-analytic': ['Analytic'],
  'x-mitre-asset': ['Asset'],
  'x-mitre-matrix': ['Matrix'],
};
const CHAINS: Record<string, string> = {
  'enterprise-attack': 'mitre-attack',
  'mobile-attack': 'mitre-mobile-attack',
  'ics-attack': 'mitre-ics-attack',
};

export function readBundle(file: string): Obj[] {
  return JSON.parse(readFileSync(file, 'utf8')).objects;
}

export function expectedCounts(objects: Obj[], domain: string) {
  const labels: Record<string, number> = {};
  const rels: Record<string, number> = {};
  const bump = (m: Record<string, number>, k: string, n = 1) => {
    if (n) m[k] = (m[k] ?? 0) + n;
  };
  const tactics = new Set(objects.filter((o) => o.type === 'x-mitre-tactic').map((o) => o.x_mitre_shortname));
  const attackId = (o: Obj) =>
    o.external_references?.find((r: Obj) => r.source_name?.startsWith('mitre'))?.external_id;
  const withParentRel = new Set(
    objects.filter((o) => o.relationship_type === 'subtechnique-of').map((o) => o.source_ref),
  );
  const techniqueIds = new Set(objects.filter((o) => o.type === 'attack-pattern').map(attackId));
  const logSources = new Set<string>();

  for (const o of objects) {
    if (LABELS[o.type] && !o.revoked && !o.x_mitre_deprecated)
      for (const l of LABELS[o.type] ?? []) bump(labels, l);
    if (o.type === 'relationship') bump(rels, o.relationship_type.toUpperCase().replaceAll('-', '_'));
    if (o.type === 'attack-pattern') {
      const phases = (o.kill_chain_phases ?? []).filter(
        (p: Obj) => p.kill_chain_name === CHAINS[domain] && tactics.has(p.phase_name),
      );
      bump(rels, 'IN_TACTIC', phases.length);
      const id = attackId(o) ?? '';
      const sub = o.x_mitre_is_subtechnique ?? id.includes('.');
      if (sub && !withParentRel.has(o.id) && techniqueIds.has(id.split('.')[0]))
        bump(rels, 'SUBTECHNIQUE_OF');
    }
    if (o.type === 'x-mitre-matrix') bump(rels, 'HAS_TACTIC', (o.tactic_refs ?? []).length);
    if (o.type === 'x-mitre-detection-strategy')
      bump(rels, 'HAS_ANALYTIC', (o.x_mitre_analytic_refs ?? []).length);
    if (o.type === 'x-mitre-data-component' && o.x_mitre_data_source_ref) bump(rels, 'PART_OF');
    if (o.type === 'x-mitre-analytic') {
      for (const l of o.x_mitre_log_source_references ?? [])
        logSources.add(`${o.id}|${l.x_mitre_data_component_ref}|${l.name}|${l.channel}`);
    }
  }
  bump(rels, 'LOGS_FROM', logSources.size);
  return { labels, rels };
}
