import { DEFAULT_VIA, type Via } from '../../data/related.ts';
import { USAGE } from '../../data/usage.ts';
import { builder } from '../builder.ts';
import { type PageArgs, UsageViaEnum, type VisibilityArgs } from './common.ts';
import { relatedField } from './relations.ts';

/** `via`: which usage paths a usage field follows. */
export const viaArg = builder.args((t) => ({
  via: t.field({
    type: [UsageViaEnum],
    required: false,
    defaultValue: [...DEFAULT_VIA],
    description:
      "Which paths count as usage: DIRECT `uses`, attributed CAMPAIGNs' or SOFTWARE's. Default: DIRECT.",
  }),
}));

/** The arguments of every "techniques this actor uses" field. */
export const actorTechniqueArgs = builder.args((t) => ({
  ...viaArg,
  rollUp: t.boolean({
    required: false,
    defaultValue: false,
    description:
      'Report sub-technique usage under the parent technique (the edge lists the sub-techniques); default false.',
  }),
}));

export interface ActorTechniqueArgs extends PageArgs, VisibilityArgs {
  via?: readonly Via[] | null;
  rollUp?: boolean | null;
}

/** The techniques a group, campaign or software uses, found along the `via` paths. */
export const actorTechniquesField = relatedField(USAGE.actorTechniques, (args) => ({
  via: args.via,
  rollUp: args.rollUp,
}));
