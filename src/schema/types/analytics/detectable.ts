import type { Context } from '../../../context.ts';
import { type AnalyticRow, analyticsFrom, type LogSourceRow } from '../../../data/analytics/detection.ts';
import type { CoreRow } from '../../../data/rows.ts';
import { builder } from '../../builder.ts';
import { Analytic, DetectionStrategy, Technique } from '../refs.ts';
import { checkRelease } from '../release.ts';
import { type IdPlaces, idPlacesOf, resolveKeysOf } from './cards.ts';
import { checkList, MAX_INPUT_IDS, unknownIdsField } from './common.ts';
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

/** A detectable technique as the resolver finds it: node ids. */
interface DetectableIds {
  technique: string;
  analytics: Set<string>;
  strategies: Set<string>;
}

/** The same with its objects, as the fields show them: read once for the whole answer, in order. */
interface DetectableShape {
  id: string;
  technique: CoreRow | null;
  analytics: CoreRow[];
  strategies: CoreRow[];
}

const DetectableTechnique = builder.objectRef<DetectableShape>('DetectableTechnique').implement({
  description: 'A technique detectable from the given log sources, with the evidence.',
  fields: (t) => ({
    technique: t.field({
      type: Technique,
      description: 'The technique.',
      resolve: (d) => d.technique ?? Promise.reject(new Error(`no object ${d.id}`)),
    }),
    analytics: t.field({
      type: [Analytic],
      description: 'The analytics that the log sources enable, by ATT&CK ID.',
      resolve: (d) => d.analytics,
    }),
    strategies: t.field({
      type: [DetectionStrategy],
      description: 'The detection strategies those analytics belong to, by ATT&CK ID.',
      resolve: (d) => d.strategies,
    }),
  }),
});

interface DetectableResult {
  techniques: DetectableIds[];
  unknownIds: string[];
  /** The places of every id the techniques name; null when there are none. */
  places: IdPlaces | null;
}

/**
 * Every id the analytics name, placed in the stable order (`idPlacesOf`) once per import: a large
 * answer names some 2,000 objects, which then sort as numbers without being looked up again.
 */
const placedOnce = new WeakMap<readonly AnalyticRow[], Promise<IdPlaces>>();

function placesOfEvery(ctx: Context, every: readonly AnalyticRow[]): Promise<IdPlaces> {
  let places = placedOnce.get(every);
  if (!places) {
    const ids = new Set<string>();
    for (const a of every) {
      ids.add(a.analytic);
      for (const d of a.detects) ids.add(d.technique).add(d.strategy);
    }
    places = idPlacesOf(ctx, [...ids]);
    placedOnce.set(every, places);
    places.catch(() => placedOnce.delete(every));
  }
  return places;
}

/** The detectable techniques with their objects, in the stable order, the lists too. */
function withObjects({ techniques, places }: DetectableResult): DetectableShape[] {
  if (!places) return [];
  const inOrder = (list: Set<string>) => {
    const ranks: number[] = [];
    for (const id of list) {
      const r = places.of(id);
      if (r !== undefined) ranks.push(r);
    }
    return ranks.sort((a, b) => a - b).map(places.at);
  };
  // By technique in the stable order; an unknown one (its field fails) first.
  return techniques
    .map((d) => ({ at: places.of(d.technique) ?? -1, d }))
    .sort((a, b) => a.at - b.at)
    .map(({ at, d }) => ({
      id: d.technique,
      technique: at < 0 ? null : places.at(at),
      analytics: inOrder(d.analytics),
      strategies: inOrder(d.strategies),
    }));
}

const Detectable = builder.objectRef<DetectableResult>('Detectable').implement({
  description: 'The techniques detectable from a set of log sources.',
  fields: (t) => ({
    count: t.int({ description: 'How many techniques.', resolve: (d) => d.techniques.length }),
    techniques: t.field({
      type: [DetectableTechnique],
      description: 'The detectable techniques, by ATT&CK ID.',
      resolve: withObjects,
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
      if (resolved.ids.length === 0) return { techniques: [], unknownIds: resolved.unknown, places: null };
      const every = await everyAnalyticOf(ctx, {
        release: args.release,
        domain,
        platform: args.platform?.trim() || null,
      });
      const out = new Map<string, DetectableIds>();
      for (const a of analyticsFrom(every, resolved.ids)) {
        const enabled = args.requireAll ? a.logSources.every(matches) : a.logSources.some(matches);
        if (!enabled) continue;
        for (const d of a.detects) {
          let entry = out.get(d.technique);
          if (!entry) {
            entry = { technique: d.technique, analytics: new Set(), strategies: new Set() };
            out.set(d.technique, entry);
          }
          entry.analytics.add(a.analytic);
          entry.strategies.add(d.strategy);
        }
      }
      return {
        techniques: [...out.values()],
        unknownIds: resolved.unknown,
        places: await placesOfEvery(ctx, every),
      };
    },
  }),
);
