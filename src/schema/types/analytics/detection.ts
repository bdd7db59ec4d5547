import type { ChainStrategy, LogSourceRow } from '../../../data/analytics/detection.ts';
import { builder } from '../../builder.ts';
import { DomainEnum } from '../common.ts';
import { Analytic, DataComponent, DetectionStrategy, Technique } from '../refs.ts';
import { checkRelease, releaseArg } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import { loadNode, loadNodeOrNull, unknownIdsField } from './common.ts';
import { everyChainOf } from './data.ts';

export const ChainLogSource = builder.objectRef<LogSourceRow>('ChainLogSource').implement({
  description: 'A log source an analytic reads: a data component, narrowed by a log name and channel.',
  fields: (t) => ({
    dataComponent: t.field({
      type: DataComponent,
      description: 'The data component.',
      resolve: (l, _args, ctx) => loadNode(ctx, l.dataComponent),
    }),
    name: t.string({
      nullable: true,
      description: 'The log name, such as `WinEventLog:Security`.',
      resolve: (l) => l.name,
    }),
    channel: t.string({
      nullable: true,
      description: 'The channel or event, such as `EventCode=4688`.',
      resolve: (l) => l.channel,
    }),
  }),
});

type AnalyticShape = ChainStrategy['analytics'][number];

const ChainAnalytic = builder.objectRef<AnalyticShape>('ChainAnalytic').implement({
  description: 'An analytic of a detection strategy, with the log sources it reads.',
  fields: (t) => ({
    analytic: t.field({
      type: Analytic,
      description: 'The analytic.',
      resolve: (a, _args, ctx) => loadNode(ctx, a.analytic),
    }),
    logSources: t.field({
      type: [ChainLogSource],
      description: 'Its log sources, by data component ATT&CK ID, name and channel.',
      resolve: (a) => a.logSources,
    }),
  }),
});

const ChainStrategyRef = builder.objectRef<ChainStrategy>('ChainStrategy').implement({
  description: 'A detection strategy for the technique, with its analytics.',
  fields: (t) => ({
    strategy: t.field({
      type: DetectionStrategy,
      description: 'The detection strategy.',
      resolve: (s, _args, ctx) => loadNode(ctx, s.strategy),
    }),
    analytics: t.field({
      type: [ChainAnalytic],
      description: 'Its analytics (of the platform, when one is given), by ATT&CK ID.',
      resolve: (s) => s.analytics,
    }),
  }),
});

interface ChainShape {
  technique: string | null;
  strategies: readonly ChainStrategy[];
  unknownIds: string[];
}

const DetectionChain = builder.objectRef<ChainShape>('DetectionChain').implement({
  description:
    'How a technique can be detected: detection strategies, their analytics, and the log sources they read.',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      nullable: true,
      description: 'The technique; null when unknown (see `unknownIds`).',
      resolve: (c, _args, ctx) => loadNodeOrNull(ctx, c.technique),
    }),
    strategies: t.field({
      type: [ChainStrategyRef],
      description: 'Its detection strategies, by ATT&CK ID.',
      resolve: (c) => c.strategies,
    }),
    logSources: t.field({
      type: [ChainLogSource],
      description: 'Every distinct log source of every analytic: what to collect to detect the technique.',
      resolve: (c) => {
        const seen = new Map<string, LogSourceRow>();
        for (const s of c.strategies)
          for (const a of s.analytics)
            for (const l of a.logSources) seen.set(`${l.dataComponent}|${l.name}|${l.channel}`, l);
        return [...seen.values()];
      },
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (c) => c.unknownIds }),
  }),
});

/** `domain` and `platform`, shared with `detectableTechniques`. */
export const filterArgs = builder.args((t) => ({
  ...releaseArg,
  domain: t.field({ type: DomainEnum, required: false, description: 'Only objects of this domain.' }),
  platform: t.string({
    required: false,
    description: 'Only analytics of this platform, such as `Windows` (case-insensitive).',
  }),
}));

builder.queryField('detectionChain', (t) =>
  t.field({
    type: DetectionChain,
    description:
      'For one technique: detection strategies -> analytics -> log sources (data component, log name, ' +
      'channel), as ATT&CK 18+ models detection. Revoked and deprecated objects are left out.',
    args: {
      technique: t.arg.string({
        required: true,
        description: 'The ATT&CK ID (T1003.001) or STIX id of the technique.',
      }),
      ...filterArgs,
    },
    resolve: async (_root, args, ctx) => {
      await checkRelease(ctx, args.release);
      const domain = args.domain ?? null;
      const resolved = await resolveKeysOf(ctx, [args.technique], ['Technique'], domain, args.release);
      const technique = resolved.ids[0];
      if (!technique) return { technique: null, strategies: [], unknownIds: resolved.unknown };
      const chains = await everyChainOf(ctx, {
        release: args.release,
        domain,
        platform: args.platform?.trim() || null,
      });
      const strategies = chains.get(technique) ?? [];
      return { technique, strategies, unknownIds: resolved.unknown };
    },
  }),
);
