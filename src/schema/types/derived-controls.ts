import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import { type DerivedControl, fetchMitigationControls } from '../../data/controls.ts';
import { type NodeRef, type NodeRow, refKey, refOf } from '../../data/rows.ts';
import { builder } from '../builder.ts';
import { type Edge, toConnection, windowOf } from './common.ts';
import { Control } from './controls.ts';
import { Mitigation } from './refs.ts';

/*
 * `Mitigation.derivedControls`: a hint for integrators mapping ATT&CK mitigations to a control
 * catalogue. Derived from shared techniques, never a published mapping, and said so.
 */

const itemOf = (edge: { cursor: string }) => (edge as Edge<DerivedControl>).item;

const DerivedControlConnection = builder.connectionObject(
  {
    type: Control,
    name: 'DerivedControlConnection',
    description:
      'A page of controls ranked by the techniques they share with a mitigation (derived, not published).',
  },
  {
    name: 'DerivedControlEdge',
    description:
      'A control sharing techniques with the mitigation; derived from the two mappings, not a published mapping.',
    fields: (t) => ({
      derived: t.boolean({
        description: 'Always true: this pairing is computed from shared techniques, nobody published it.',
        resolve: () => true,
      }),
      sharedCount: t.int({
        description: "How many of the mitigation's techniques the control is mapped to (the rank).",
        resolve: (edge) => itemOf(edge).shared.length,
      }),
      sharedTechniqueIds: t.stringList({
        description: 'Those techniques, by ATT&CK ID.',
        resolve: (edge) => itemOf(edge).shared,
      }),
      mitigationTechniqueCount: t.int({
        description: 'How many techniques the mitigation addresses.',
        resolve: (edge) => itemOf(edge).total,
      }),
      sharedPercent: t.float({
        description: 'sharedCount / mitigationTechniqueCount × 100.',
        resolve: (edge) => (itemOf(edge).total ? (100 * itemOf(edge).shared.length) / itemOf(edge).total : 0),
      }),
    }),
  },
);

const loaders = createContextCache(() => new Map<string, DataLoader<NodeRef, DerivedControl[], string>>());

function load(ctx: Context, row: NodeRow, framework: string) {
  const map = loaders(ctx);
  let loader = map.get(framework);
  if (!loader) {
    loader = new DataLoader((refs: readonly NodeRef[]) => fetchMitigationControls(ctx.db, refs, framework), {
      cacheKeyFn: refKey,
    });
    map.set(framework, loader);
  }
  return loader.load(refOf(row));
}

builder.objectFields(Mitigation, (t) => ({
  derivedControls: t.connection(
    {
      type: Control,
      description:
        "DERIVED, not a published mapping: the controls of `framework` mapped to this mitigation's techniques, " +
        'ranked by how many they share (ties by control id). A starting point for mapping ATT&CK mitigations to a ' +
        'control catalogue.',
      args: {
        framework: t.arg.string({ required: true, description: 'The framework, such as `nist_800_53`.' }),
      },
      resolve: async (row, args, ctx) => {
        const items = await load(ctx, row, args.framework);
        const window = windowOf(args);
        return toConnection(
          { totalCount: items.length, items: items.slice(window.offset, window.offset + window.limit) },
          window,
        );
      },
    },
    DerivedControlConnection,
  ),
}));
