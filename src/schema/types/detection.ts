import { z } from 'zod';
import { nodesOnly, RELATED } from '../../data/related.ts';
import { builder } from '../builder.ts';
import { childProjection } from '../selection.ts';
import { orEmpty, stored } from './complete.ts';
import {
  AnalyticConnection,
  DataComponentConnection,
  DataSourceConnection,
  DetectionStrategyConnection,
  TechniqueConnection,
} from './connections.ts';
import { listField, lookupField } from './lookup.ts';
import { Analytic, AttackObject, DataComponent, DataSource, DetectionStrategy, Technique } from './refs.ts';
import { loadRelated, type RelatedExtensions, relatedOne, relationField, unfiltered } from './relations.ts';

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

/** What an analytic's log sources read of their data components. */
const dataComponentReads = childProjection('dataComponent');

const logSourceNames = z.array(z.object({ name: z.string(), channel: z.string() }));
const mutableElements = z.array(z.object({ field: z.string(), description: z.string() }));

DataSource.implement({
  description: 'A data source (deprecated in release 18): a kind of information sensors or logs collect.',
  interfaces: [AttackObject],
  fields: (t) => ({
    collectionLayers: t.stringList({
      description: 'Where the data can be collected, such as Host or Network.',
      ...stored('collectionLayers', orEmpty),
    }),
    dataComponents: t.connection(
      relationField('dataSource.dataComponents', DataComponent, 'The data components of this data source.'),
      DataComponentConnection,
    ),
  }),
});

DataComponent.implement({
  description: 'A data component: a specific kind of event or record that can reveal techniques.',
  interfaces: [AttackObject],
  fields: (t) => ({
    logSources: t.field({
      type: [LogSourceName],
      description: 'The logs and channels that carry this data component.',
      ...stored('logSourcesJson', (json) => (json ? logSourceNames.parse(JSON.parse(json)) : [])),
    }),
    dataSource: t.field({
      type: DataSource,
      nullable: true,
      description: 'The data source this component belongs to, if any.',
      extensions: {
        related: { of: RELATED['dataComponent.dataSource'], single: true },
      } satisfies RelatedExtensions,
      resolve: (row, _args, ctx, info) => relatedOne(ctx, RELATED['dataComponent.dataSource'], row, info),
    }),
    analytics: t.connection(
      relationField(
        'dataComponent.analytics',
        Analytic,
        'The analytics that read events from this data component.',
      ),
      AnalyticConnection,
    ),
    techniques: t.connection(
      relationField(
        'dataComponent.techniques',
        Technique,
        'The techniques this data component helps detect: directly (`detects`), or through analytics that log ' +
          'from it and the detection strategies that use those analytics.',
      ),
      TechniqueConnection,
    ),
  }),
});

DetectionStrategy.implement({
  description:
    'A detection strategy (release 18+): how to detect a technique, made of analytics per platform.',
  interfaces: [AttackObject],
  fields: (t) => ({
    analytics: t.connection(
      relationField('detectionStrategy.analytics', Analytic, 'The analytics of this strategy.'),
      AnalyticConnection,
    ),
    techniques: t.connection(
      relationField('detectionStrategy.techniques', Technique, 'The techniques this strategy detects.'),
      TechniqueConnection,
    ),
  }),
});

Analytic.implement({
  description: 'An analytic (release 18+): detection logic for one platform, reading named log sources.',
  interfaces: [AttackObject],
  fields: (t) => ({
    logSources: t.field({
      type: [LogSource],
      description: 'The log sources this analytic reads: data component, log name and channel.',
      resolve: async (row, _args, ctx, info) => {
        const reads = nodesOnly(dataComponentReads(info), true);
        const page = await loadRelated(ctx, RELATED['analytic.logSources'], reads, row, unfiltered(1000));
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
      ...stored('mutableElementsJson', (json) => (json ? mutableElements.parse(JSON.parse(json)) : [])),
    }),
    detectionStrategies: t.connection(
      relationField(
        'analytic.detectionStrategies',
        DetectionStrategy,
        'The detection strategies that use this analytic.',
      ),
      DetectionStrategyConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  dataSource: t.field(
    lookupField(
      'DataSource',
      DataSource,
      'data source',
      'One data source by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    ),
  ),
  dataSources: t.connection(
    listField('DataSource', DataSource, 'Data sources, filtered, by ATT&CK ID.'),
    DataSourceConnection,
  ),
  dataComponent: t.field(
    lookupField(
      'DataComponent',
      DataComponent,
      'data component',
      'One data component by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    ),
  ),
  dataComponents: t.connection(
    listField('DataComponent', DataComponent, 'Data components, filtered, by ATT&CK ID.'),
    DataComponentConnection,
  ),
  detectionStrategy: t.field(
    lookupField(
      'DetectionStrategy',
      DetectionStrategy,
      'detection strategy',
      'One detection strategy by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    ),
  ),
  detectionStrategies: t.connection(
    listField('DetectionStrategy', DetectionStrategy, 'Detection strategies, filtered, by ATT&CK ID.'),
    DetectionStrategyConnection,
  ),
  analytic: t.field(
    lookupField(
      'Analytic',
      Analytic,
      'analytic',
      'One analytic by ATT&CK ID, STIX id or name; `null` when nothing matches.',
    ),
  ),
  analytics: t.connection(
    listField('Analytic', Analytic, 'Analytics, filtered, by ATT&CK ID.'),
    AnalyticConnection,
  ),
}));
