import type { ListBound } from '../list-bounds.ts';

/** Mapping files imported: nine frameworks today, each with up to three domains, with room to grow. */
const MAPPING_SETS = 64;
/** Distinct ATT&CK ids one mapping set or control names: every technique of a domain, with room. */
const MAPPED_IDS = 2_000;

/** The plain lists of the control-mapping types (see list-bounds.ts). */
export const CONTROL_LIST_BOUNDS: Readonly<Record<string, ListBound>> = {
  'Query.frameworks': MAPPING_SETS,
  'MappingFramework.revocationFollowed': MAPPED_IDS,
  'MappingFramework.dropped': MAPPED_IDS,
  'Control.dropped': MAPPED_IDS,
  // A plan has at most `max` steps (MAX_PLAN_STEPS, 100) over techniques of one release.
  'ControlPlan.steps': 100,
  'ControlPlan.target': MAPPED_IDS,
  'ControlPlan.uncovered': MAPPED_IDS,
  'ControlPlan.unmapped': MAPPED_IDS,
  'ControlStep.added': MAPPED_IDS,
};
