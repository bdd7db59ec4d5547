import { analyticsFrom, type LogSourceRow } from '../../../data/analytics/detection.ts';
import { builder } from '../../builder.ts';
import { Analytic, DetectionStrategy, Technique } from '../refs.ts';
import { checkRelease } from '../release.ts';
import { resolveKeysOf } from './cards.ts';
import { checkList, loadNode, MAX_INPUT_IDS, positionsOf, sortedNodes, unknownIdsField } from './common.ts';
import { everyAnalyticOf } from './data.ts';
import { filterArgs } from './detection.ts';

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
    technique: t.field({
      type: Technique,
      description: 'The technique.',
      resolve: (d, _args, ctx) => loadNode(ctx, d.technique),
    }),
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
        const order = await positionsOf(
          ctx,
          d.techniques.map((x) => x.technique),
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
      await checkRelease(ctx, args.release);
      checkList('logSources', args.logSources, MAX_INPUT_IDS);
      const domain = args.domain ?? null;
      const keys = args.logSources.map((l) => l.dataComponent);
      const resolved = await resolveKeysOf(ctx, keys, ['DataComponent'], domain, args.release);
      const given = args.logSources.flatMap((l) => {
        const dc = resolved.byKey.get(l.dataComponent.trim());
        return dc ? [{ dc, name: l.name ?? null, channel: l.channel ?? null }] : [];
      });
      const matches = (s: LogSourceRow) =>
        given.some((g) => g.dc === s.dataComponent && same(s.name, g.name) && same(s.channel, g.channel));
      const analytics =
        resolved.ids.length === 0
          ? []
          : analyticsFrom(
              await everyAnalyticOf(ctx, {
                release: args.release,
                domain,
                platform: args.platform?.trim() || null,
              }),
              resolved.ids,
            );
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
