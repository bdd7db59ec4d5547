import type { Context } from '../../context.ts';
import { fetchByRefs } from '../../data/objects.ts';
import { LABEL_NAMES, type Label, type NodeRow, nodeIdOf, refOfNodeId } from '../../data/rows.ts';
import { builder } from '../builder.ts';

/*
 * Every object type's ref, declared before any is implemented so the type files can point at
 * each other freely. Each object type is a loadable node: `node(id:)` and the lookups go
 * through one DataLoader per type and request.
 */

export const AttackObject = builder.interfaceRef<NodeRow>('AttackObject');
export const Software = builder.interfaceRef<NodeRow>('Software');

/*
 * A node's global id names its release (`nodeIdOf`): the same STIX id is another object in another
 * release, and `node(id:)` must fetch this one again. An id without a release (saved by an older
 * client) names the newest release's node.
 */

const loadable = (label: Label) =>
  builder.loadableNodeRef(label, {
    id: { resolve: (row: NodeRow) => nodeIdOf(row) },
    // In the order of `ids`: an id without a release names a row whose own id has one.
    load: (ids: string[], ctx: Context) => fetchByRefs(ctx.db, label, ids.map(refOfNodeId)),
  });

export const Tactic = loadable('Tactic');
export const Technique = loadable('Technique');
export const Group = loadable('Group');
export const Malware = loadable('Malware');
export const Tool = loadable('Tool');
export const Mitigation = loadable('Mitigation');
export const Campaign = loadable('Campaign');
export const DataSource = loadable('DataSource');
export const DataComponent = loadable('DataComponent');
export const DetectionStrategy = loadable('DetectionStrategy');
export const Analytic = loadable('Analytic');
export const Asset = loadable('Asset');
export const Matrix = loadable('Matrix');

/** The object types, by the label that names each; `Software` is an interface, not one of them. */
const OBJECT_TYPES: ReadonlySet<string> = new Set(LABEL_NAMES.filter((l) => l !== 'Software'));

/**
 * The object type of an interface value (`AttackObject`, `Software`), by its node's labels; a row
 * read for an interface field carries them (see `NodeRow`). Object types have no `isTypeOf`:
 * graphql-js would call it for every object of a concrete field too, hundreds per answer.
 */
export function objectTypeOf(value: NodeRow): string {
  const type = value.nodeLabels?.find((l) => OBJECT_TYPES.has(l));
  if (!type) throw new Error(`object ${value.stixId}: its labels name no object type`);
  return type;
}
