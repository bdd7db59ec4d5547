import { z } from 'zod';
import { RELATED } from '../../data/related.ts';
import { builder } from '../builder.ts';
import { loadRelated, relatedConnection, relatedOne, visibilityArgs } from './common.ts';
import {
  AnalyticConnection,
  DataComponentConnection,
  DataSourceConnection,
  DetectionStrategyConnection,
  TechniqueConnection,
} from './connections.ts';
import { listArgs, lookupArgs, resolveList, resolveLookup } from './lookup.ts';
import {
  Analytic,
  AttackObject,
  DataComponent,
  DataSource,
  DetectionStrategy,
  hasLabel,
  Technique,
} from './refs.ts';

const LogSourceName = builder.simpleObject('LogSourceName', {
  description: 'A log source a data component names: a log and a channel within it.',
  fields: (t) => ({
    name: t.string({ description: 'The log, such as `WinEventLog:Security`.' }),
    channel: t.string({ description: 'The channel or event, such as `EventCode=4768`.' }),
  }),
});

const LogSource = builder.simpleObject('LogSource', {
  description: 'Where an analytic reads its events: a data component, and the log and channel within it.',
  fields: (t) => ({
    dataComponent: t.field({ type: DataComponent, description: 'The data component the events belong to.' }),
    name: t.string({ nullable: true, description: 'The log, such as `auditd:SYSCALL`.' }),
    channel: t.string({ nullable: true, description: 'The channel or event within the log.' }),
  }),
});

const MutableElement = builder.simpleObject('MutableElement', {
  description: 'A part of an analytic that defenders tune to their environment.',
  fields: (t) => ({
    field: t.string({ description: 'The element, such as `TimeWindow`.' }),
    description: t.string({ description: 'What it controls.' }),
  }),
});

const logSourceNames = z.array(z.object({ name: z.string(), channel: z.string() }));
const mutableElements = z.array(z.object({ field: z.string(), description: z.string() }));

DataSource.implement({
  description: 'A data source (deprecated in release 18): a kind of information sensors or logs collect.',
  interfaces: [AttackObject],
  isTypeOf: hasLabel('DataSource'),
  fields: (t) => ({
    collectionLayers: t.stringList({
      description: 'Where the data can be collected, such as Host or Network.',
      resolve: (row) => row.collectionLayers ?? [],
    }),
    dataComponents: t.connection(
      {
        nullable: false,
        type: DataComponent,
        description: 'The data components of this data source.',
        args: visibilityArgs,
        resolve: (row, args, ctx) =>
          relatedConnection(ctx, RELATED['dataSource.dataComponents'], row.stixId, args),
      },
      DataComponentConnection,
    ),
  }),
});

DataComponent.implement({
  description: 'A data component: a specific kind of event or record that can reveal techniques.',
  interfaces: [AttackObject],
  isTypeOf: hasLabel('DataComponent'),
  fields: (t) => ({
    logSources: t.field({
      type: [LogSourceName],
      description: 'The logs and channels that carry this data component.',
      resolve: (row) => (row.logSourcesJson ? logSourceNames.parse(JSON.parse(row.logSourcesJson)) : []),
    }),
    dataSource: t.field({
      type: DataSource,
      nullable: true,
      description: 'The data source this component belongs to, if any.',
      resolve: (row, _args, ctx) => relatedOne(ctx, RELATED['dataComponent.dataSource'], row.stixId),
    }),
    analytics: t.connection(
      {
        nullable: false,
        type: Analytic,
        description: 'The analytics that read events from this data component.',
        args: visibilityArgs,
        resolve: (row, args, ctx) =>
          relatedConnection(ctx, RELATED['dataComponent.analytics'], row.stixId, args),
      },
      AnalyticConnection,
    ),
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description:
          'The techniques this data component helps detect: directly (`detects`), or through analytics that log ' +
          'from it and the detection strategies that use those analytics.',
        args: visibilityArgs,
        resolve: (row, args, ctx) =>
          relatedConnection(ctx, RELATED['dataComponent.techniques'], row.stixId, args),
      },
      TechniqueConnection,
    ),
  }),
});

DetectionStrategy.implement({
  description:
    'A detection strategy (release 18+): how to detect a technique, made of analytics per platform.',
  interfaces: [AttackObject],
  isTypeOf: hasLabel('DetectionStrategy'),
  fields: (t) => ({
    analytics: t.connection(
      {
        nullable: false,
        type: Analytic,
        description: 'The analytics of this strategy.',
        args: visibilityArgs,
        resolve: (row, args, ctx) =>
          relatedConnection(ctx, RELATED['detectionStrategy.analytics'], row.stixId, args),
      },
      AnalyticConnection,
    ),
    techniques: t.connection(
      {
        nullable: false,
        type: Technique,
        description: 'The techniques this strategy detects.',
        args: visibilityArgs,
        resolve: (row, args, ctx) =>
          relatedConnection(ctx, RELATED['detectionStrategy.techniques'], row.stixId, args),
      },
      TechniqueConnection,
    ),
  }),
});

Analytic.implement({
  description: 'An analytic (release 18+): detection logic for one platform, reading named log sources.',
  interfaces: [AttackObject],
  isTypeOf: hasLabel('Analytic'),
  fields: (t) => ({
    logSources: t.field({
      type: [LogSource],
      description: 'The log sources this analytic reads: data component, log name and channel.',
      resolve: async (row, _args, ctx) => {
        const page = await loadRelated(ctx, RELATED['analytic.logSources'], row.stixId, {
          domain: null,
          includeRevoked: true,
          includeDeprecated: true,
          offset: 0,
          limit: 1000,
          includeSubtechniques: null,
          via: null,
          rollUp: null,
        });
        return page.items.map((item) => ({
          dataComponent: item.node,
          name: item.name ?? null,
          channel: item.channel ?? null,
        }));
      },
    }),
    mutableElements: t.field({
      type: [MutableElement],
      description: 'The parts of the analytic to tune to an environment.',
      resolve: (row) =>
        row.mutableElementsJson ? mutableElements.parse(JSON.parse(row.mutableElementsJson)) : [],
    }),
    detectionStrategies: t.connection(
      {
        nullable: false,
        type: DetectionStrategy,
        description: 'The detection strategies that use this analytic.',
        args: visibilityArgs,
        resolve: (row, args, ctx) =>
          relatedConnection(ctx, RELATED['analytic.detectionStrategies'], row.stixId, args),
      },
      DetectionStrategyConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  dataSource: t.field({
    type: DataSource,
    nullable: true,
    description: 'One data source by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    args: lookupArgs('DataSource', 'data source'),
    resolve: (_root, args, ctx) => resolveLookup(ctx, 'DataSource', args, ['attackId', 'stixId', 'name']),
  }),
  dataSources: t.connection(
    {
      nullable: false,
      type: DataSource,
      description: 'Data sources, filtered, by ATT&CK ID.',
      args: { ...visibilityArgs, ...listArgs },
      resolve: (_root, args, ctx) => resolveList(ctx, 'DataSource', args),
    },
    DataSourceConnection,
  ),
  dataComponent: t.field({
    type: DataComponent,
    nullable: true,
    description: 'One data component by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    args: lookupArgs('DataComponent', 'data component'),
    resolve: (_root, args, ctx) => resolveLookup(ctx, 'DataComponent', args, ['attackId', 'stixId', 'name']),
  }),
  dataComponents: t.connection(
    {
      nullable: false,
      type: DataComponent,
      description: 'Data components, filtered, by ATT&CK ID.',
      args: { ...visibilityArgs, ...listArgs },
      resolve: (_root, args, ctx) => resolveList(ctx, 'DataComponent', args),
    },
    DataComponentConnection,
  ),
  detectionStrategy: t.field({
    type: DetectionStrategy,
    nullable: true,
    description: 'One detection strategy by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    args: lookupArgs('DetectionStrategy', 'detection strategy'),
    resolve: (_root, args, ctx) =>
      resolveLookup(ctx, 'DetectionStrategy', args, ['attackId', 'stixId', 'name']),
  }),
  detectionStrategies: t.connection(
    {
      nullable: false,
      type: DetectionStrategy,
      description: 'Detection strategies, filtered, by ATT&CK ID.',
      args: { ...visibilityArgs, ...listArgs },
      resolve: (_root, args, ctx) => resolveList(ctx, 'DetectionStrategy', args),
    },
    DetectionStrategyConnection,
  ),
  analytic: t.field({
    type: Analytic,
    nullable: true,
    description: 'One analytic by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    args: lookupArgs('Analytic', 'analytic'),
    resolve: (_root, args, ctx) => resolveLookup(ctx, 'Analytic', args, ['attackId', 'stixId', 'name']),
  }),
  analytics: t.connection(
    {
      nullable: false,
      type: Analytic,
      description: 'Analytics, filtered, by ATT&CK ID.',
      args: { ...visibilityArgs, ...listArgs },
      resolve: (_root, args, ctx) => resolveList(ctx, 'Analytic', args),
    },
    AnalyticConnection,
  ),
}));
