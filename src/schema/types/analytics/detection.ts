import { resolveKeys } from '../../../data/analytics/common.ts';
import {
  type ChainStrategy,
  fetchAnalyticsFrom,
  fetchDetectionChain,
  type LogSourceRow,
} from '../../../data/analytics/detection.ts';
import { builder } from '../../builder.ts';
import { DomainEnum } from '../common.ts';
import { Analytic, DataComponent, DetectionStrategy, Technique } from '../refs.ts';
import { checkList, MAX_INPUT_IDS, sortedNodes, unknownIdsField } from './common.ts';

const ChainLogSource = builder.objectRef<LogSourceRow>('ChainLogSource').implement({
  description: 'A log source an analytic reads: a data component, narrowed by a log name and channel.',
  fields: (t) => ({
    dataComponent: t.field({
      type: DataComponent,
      description: 'The data component.',
      resolve: (l) => l.dataComponent,
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
    analytic: t.field({ type: Analytic, description: 'The analytic.', resolve: (a) => a.analytic }),
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
      resolve: (s) => s.strategy,
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
  strategies: ChainStrategy[];
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
      resolve: (c) => c.technique,
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

const filterArgs = builder.args((t) => ({
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
      const domain = args.domain ?? null;
      const resolved = await resolveKeys(ctx.db, [args.technique], ['Technique'], domain);
      const technique = resolved.ids[0];
      if (!technique) return { technique: null, strategies: [], unknownIds: resolved.unknown };
      const strategies = await fetchDetectionChain(ctx.db, technique, {
        domain,
        platform: args.platform?.trim() || null,
      });
      return { technique, strategies, unknownIds: resolved.unknown };
    },
  }),
);

const LogSourceInput = builder.inputType('LogSourceInput', {
  description: 'A log source you collect: a data component, optionally narrowed to a log name and channel.',
  fields: (t) => ({
    dataComponent: t.string({
      required: true,
      description: 'The data component: ATT&CK ID (DC0032), STIX id or name (`Process Creation`).',
    }),
    name: t.string({
      required: false,
      description: 'Only this log name, such as `WinEventLog:Security` (case-insensitive).',
    }),
    channel: t.string({
      required: false,
      description: 'Only this channel, such as `EventCode=4688` (case-insensitive).',
    }),
  }),
});

interface DetectableShape {
  technique: string;
  analytics: string[];
  strategies: string[];
}

const DetectableTechnique = builder.objectRef<DetectableShape>('DetectableTechnique').implement({
  description: 'A technique detectable from the given log sources, with the evidence.',
  fields: (t) => ({
    technique: t.field({ type: Technique, description: 'The technique.', resolve: (d) => d.technique }),
    analytics: t.field({
      type: [Analytic],
      description: 'The analytics that the log sources enable, by ATT&CK ID.',
      resolve: (d, _args, ctx) => sortedNodes(ctx, d.analytics),
    }),
    strategies: t.field({
      type: [DetectionStrategy],
      description: 'The detection strategies those analytics belong to, by ATT&CK ID.',
      resolve: (d, _args, ctx) => sortedNodes(ctx, d.strategies),
    }),
  }),
});

interface DetectableResult {
  techniques: DetectableShape[];
  unknownIds: string[];
}

const Detectable = builder.objectRef<DetectableResult>('Detectable').implement({
  description: 'The techniques detectable from a set of log sources.',
  fields: (t) => ({
    count: t.int({ description: 'How many techniques.', resolve: (d) => d.techniques.length }),
    techniques: t.field({
      type: [DetectableTechnique],
      description: 'The detectable techniques, by ATT&CK ID.',
      resolve: async (d, _args, ctx) => {
        const order = new Map(
          (
            await sortedNodes(
              ctx,
              d.techniques.map((x) => x.technique),
            )
          ).map((n, i) => [n.stixId, i] as const),
        );
        return [...d.techniques].sort(
          (a, b) => (order.get(a.technique) ?? 0) - (order.get(b.technique) ?? 0),
        );
      },
    }),
    unknownIds: t.stringList({ ...unknownIdsField, resolve: (d) => d.unknownIds }),
  }),
});

const same = (a: string | null | undefined, b: string | null | undefined) =>
  b == null || (a ?? '').toLowerCase() === b.trim().toLowerCase();

builder.queryField('detectableTechniques', (t) =>
  t.field({
    type: Detectable,
    description:
      'The reverse of `detectionChain`: the techniques detectable from the log sources you collect. An ' +
      'analytic is enabled when any of its log sources is given (all of them with `requireAll`); a ' +
      'technique is detectable when an enabled analytic belongs to one of its detection strategies. ' +
      `Empty input gives an empty result; at most ${MAX_INPUT_IDS} log sources.`,
    args: {
      logSources: t.arg({
        type: [LogSourceInput],
        required: true,
        description: 'The log sources you collect.',
      }),
      requireAll: t.arg.boolean({
        required: false,
        defaultValue: false,
        description:
          'Enable an analytic only when every one of its log sources is given (default false: any).',
      }),
      ...filterArgs,
    },
    resolve: async (_root, args, ctx) => {
      checkList('logSources', args.logSources, MAX_INPUT_IDS);
      const domain = args.domain ?? null;
      const keys = args.logSources.map((l) => l.dataComponent);
      const resolved = await resolveKeys(ctx.db, keys, ['DataComponent'], domain);
      const given = args.logSources.flatMap((l) => {
        const dc = resolved.byKey.get(l.dataComponent.trim());
        return dc ? [{ dc, name: l.name ?? null, channel: l.channel ?? null }] : [];
      });
      const matches = (s: LogSourceRow) =>
        given.some((g) => g.dc === s.dataComponent && same(s.name, g.name) && same(s.channel, g.channel));
      const analytics = await fetchAnalyticsFrom(ctx.db, resolved.ids, {
        domain,
        platform: args.platform?.trim() || null,
      });
      const out = new Map<string, DetectableShape>();
      for (const a of analytics) {
        const enabled = args.requireAll ? a.logSources.every(matches) : a.logSources.some(matches);
        if (!enabled) continue;
        for (const d of a.detects) {
          let entry = out.get(d.technique);
          if (!entry) {
            entry = { technique: d.technique, analytics: [], strategies: [] };
            out.set(d.technique, entry);
          }
          if (!entry.analytics.includes(a.analytic)) entry.analytics.push(a.analytic);
          if (!entry.strategies.includes(d.strategy)) entry.strategies.push(d.strategy);
        }
      }
      return { techniques: [...out.values()], unknownIds: resolved.unknown };
    },
  }),
);
