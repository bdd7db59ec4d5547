/**
 * `releaseDiff`: two imported releases of one domain compared (src/releases/diff.ts), whole or
 * narrowed to an object or a group. The object categories and the relationship changes are those
 * of the import runs' change sets (types/change-log.ts), with what a person migrating needs.
 */
import { countsByKind } from '../../change-log.ts';
import type { Domain } from '../../data/rows.ts';
import {
  type ChangeKind,
  type DiffCounts,
  type ObjectChange as DiffObjectChange,
  type ReleaseDiff as ReleaseDiffShape,
  releaseDiff,
} from '../../releases/diff.ts';
import type { Focus, TechniqueGain, TechniqueLoss } from '../../releases/focus.ts';
import type { ObjectRef } from '../../releases/lookup.ts';
import { builder } from '../builder.ts';
import { ChangeCount, ChangeKindEnum, objectChangeFields, RelationshipChange } from './change-log.ts';
import { badInput, DomainEnum } from './common.ts';
import { asUserError, catalogPair } from './release-catalogs.ts';

export const ReleaseObjectRef = builder.objectRef<ObjectRef>('ReleaseObjectRef').implement({
  description: 'An ATT&CK object as one release names it.',
  fields: (t) => ({
    stixId: t.exposeString('stixId', { description: 'Its STIX id (the same in every release).' }),
    attackId: t.string({ nullable: true, description: 'Its ATT&CK ID.', resolve: (r) => r.attackId }),
    name: t.exposeString('name', { description: 'Its name in that release.' }),
    stixType: t.exposeString('stixType', { description: 'Its STIX type, such as `attack-pattern`.' }),
  }),
});

export const TacticMove = builder.objectRef<{ from: string[]; to: string[] }>('TacticMove').implement({
  description: "A technique's tactics (shortnames) in the older and in the newer release.",
  fields: (t) => ({
    from: t.exposeStringList('from', { description: 'Tactic shortnames in the older release.' }),
    to: t.exposeStringList('to', { description: 'Tactic shortnames in the newer release.' }),
  }),
});

type Renamed = NonNullable<DiffObjectChange['renamed']>;
const Rename = builder.objectRef<Renamed>('Rename').implement({
  description: 'An ATT&CK ID or name that changed while the STIX id stayed.',
  fields: (t) => ({
    fromAttackId: t.string({
      nullable: true,
      description: 'The ATT&CK ID before.',
      resolve: (r) => r.fromAttackId,
    }),
    toAttackId: t.string({
      nullable: true,
      description: 'The ATT&CK ID after.',
      resolve: (r) => r.toAttackId,
    }),
    fromName: t.exposeString('fromName', { description: 'The name before.' }),
    toName: t.exposeString('toName', { description: 'The name after.' }),
  }),
});

const ReleaseObjectChange = builder.objectRef<DiffObjectChange>('ReleaseObjectChange').implement({
  description:
    "One object added, modified, revoked, deprecated or removed between two releases: an import run's `ObjectChange`, with the replacement, rename and tactic move.",
  fields: (t) => ({
    ...objectChangeFields(t, 'Its name (in the newer release, if it has it).'),
    replacedBy: t.field({
      type: [ReleaseObjectRef],
      description:
        'For revoked objects: where the whole revoked-by chain ends in the newer release (several when it forks).',
      resolve: (c) => c.replacedBy ?? [],
    }),
    renamed: t.field({
      type: Rename,
      nullable: true,
      description: 'Set when the ATT&CK ID or the name changed.',
      resolve: (c) => c.renamed ?? null,
    }),
    moved: t.field({
      type: TacticMove,
      nullable: true,
      description: "Set when a technique's tactics changed (a tactic renamed in place is no move).",
      resolve: (c) => c.moved ?? null,
    }),
  }),
});

const ReleaseDiffCounts = builder.objectRef<DiffCounts>('ReleaseDiffCounts').implement({
  description: 'How many changes of each kind a release diff holds.',
  fields: (t) => ({
    byKind: t.field({
      type: [ChangeCount],
      description: 'Object changes per kind (kinds without any left out), as import runs count them.',
      resolve: (c) =>
        countsByKind({
          added: c.added,
          modified: c.modified,
          revoked: c.revoked,
          deprecated: c.deprecated,
          removed: c.removed,
        }),
    }),
    renamed: t.exposeInt('renamed', { description: 'Modified objects whose ATT&CK ID or name changed.' }),
    moved: t.exposeInt('moved', { description: 'Techniques whose tactics changed.' }),
    relationshipsAdded: t.exposeInt('relationshipsAdded', { description: 'Relationships added.' }),
    relationshipsModified: t.exposeInt('relationshipsModified', { description: 'Relationships modified.' }),
    relationshipsRemoved: t.exposeInt('relationshipsRemoved', { description: 'Relationships removed.' }),
  }),
});

const LossReasonEnum = builder.enumType('TechniqueLossReason', {
  description: 'Why a group (or software, or campaign) no longer uses a technique in the newer release.',
  values: {
    TECHNIQUE_REVOKED: {
      value: 'technique-revoked',
      description: 'The technique was revoked; see `replacedBy`.',
    },
    TECHNIQUE_DEPRECATED: { value: 'technique-deprecated', description: 'The technique was deprecated.' },
    TECHNIQUE_REMOVED: { value: 'technique-removed', description: 'The technique is gone from the release.' },
    USAGE_REMOVED: {
      value: 'usage-removed',
      description: 'The technique remains; the `uses` relationship does not.',
    },
    GROUP_REVOKED: {
      value: 'group-revoked',
      description: 'The subject was revoked (merged) into another, which does not use it.',
    },
  } as const,
});

const GainReasonEnum = builder.enumType('TechniqueGainReason', {
  description: 'Why a group (or software, or campaign) uses a technique in the newer release.',
  values: {
    REPLACES_REVOKED: { value: 'replaces-revoked', description: 'It replaces a revoked technique it used.' },
    NEW_TECHNIQUE: { value: 'new-technique', description: 'The technique is new in the newer release.' },
    FROM_MERGED_GROUP: { value: 'from-merged-group', description: 'A group merged into this one used it.' },
    USAGE_ADDED: { value: 'usage-added', description: 'A `uses` relationship was added.' },
  } as const,
});

const TechniqueLossType = builder.objectRef<TechniqueLoss>('TechniqueLoss').implement({
  description: 'A technique the subject used in the older release and not in the newer one, and why.',
  fields: (t) => ({
    technique: t.field({
      type: ReleaseObjectRef,
      description: 'The technique.',
      resolve: (l) => l.technique,
    }),
    reason: t.field({ type: LossReasonEnum, description: 'Why it was lost.', resolve: (l) => l.reason }),
    replacedBy: t.field({
      type: [ReleaseObjectRef],
      description: 'For a revoked technique: where its revoked-by chain ends.',
      resolve: (l) => l.replacedBy,
    }),
    carriedOver: t.exposeBoolean('carriedOver', {
      description: 'The subject uses the replacement in the newer release: the usage carried over.',
    }),
    because: t.exposeString('because', { description: 'The reason, in words.' }),
  }),
});

const TechniqueGainType = builder.objectRef<TechniqueGain>('TechniqueGain').implement({
  description: 'A technique the subject uses in the newer release and did not in the older one, and why.',
  fields: (t) => ({
    technique: t.field({
      type: ReleaseObjectRef,
      description: 'The technique.',
      resolve: (g) => g.technique,
    }),
    reason: t.field({ type: GainReasonEnum, description: 'Why it was gained.', resolve: (g) => g.reason }),
    via: t.field({
      type: [ReleaseObjectRef],
      description: 'The revoked techniques it replaces, or the merged groups that used it.',
      resolve: (g) => g.via,
    }),
  }),
});

type FocusTechniques = NonNullable<Focus['techniques']>;
const FocusTechniquesType = builder.objectRef<FocusTechniques>('ReleaseFocusTechniques').implement({
  description: 'The techniques a group (or software, or campaign) uses directly in each release.',
  fields: (t) => ({
    before: t.field({
      type: [ReleaseObjectRef],
      description: 'Used in the older release.',
      resolve: (f) => f.before,
    }),
    after: t.field({
      type: [ReleaseObjectRef],
      description: 'Used in the newer release.',
      resolve: (f) => f.after,
    }),
    gained: t.field({
      type: [TechniqueGainType],
      description: 'Gained, with why.',
      resolve: (f) => f.gained,
    }),
    lost: t.field({ type: [TechniqueLossType], description: 'Lost, with why.', resolve: (f) => f.lost }),
  }),
});

const ReleaseFocus = builder.objectRef<Focus>('ReleaseFocus').implement({
  description: 'The subject a release diff was narrowed to.',
  fields: (t) => ({
    subject: t.field({
      type: ReleaseObjectRef,
      description: 'The object or group asked about.',
      resolve: (f) => f.subject,
    }),
    replacedBy: t.field({
      type: ReleaseObjectRef,
      nullable: true,
      description: 'Where the subject went when it was revoked (a merged group: the group it joined).',
      resolve: (f) => f.replacedBy,
    }),
    techniques: t.field({
      type: FocusTechniquesType,
      nullable: true,
      description: 'For a group focus: its techniques gained and lost, with the reason for each.',
      resolve: (f) => f.techniques ?? null,
    }),
  }),
});

const ReleaseDiffType = builder.objectRef<ReleaseDiffShape>('ReleaseDiff').implement({
  description: 'What changed in one domain from one imported release to another.',
  fields: (t) => ({
    domain: t.field({
      type: DomainEnum,
      description: 'The domain compared.',
      resolve: (d) => d.domain as Domain,
    }),
    from: t.exposeString('from', { description: 'The older release, such as 17.1.' }),
    to: t.exposeString('to', { description: 'The newer release, such as 18.1.' }),
    objects: t.field({
      type: [ReleaseObjectChange],
      args: {
        change: t.arg({
          type: [ChangeKindEnum],
          required: false,
          description: 'Only these kinds of change.',
        }),
      },
      description:
        'Objects added, modified (renamed, moved), revoked, deprecated or removed, newer release order.',
      resolve: (d, { change }) =>
        change ? d.objects.filter((o) => change.includes(o.change as ChangeKind)) : d.objects,
    }),
    relationships: t.field({
      type: [RelationshipChange],
      description: 'STIX relationships added, modified or removed, by STIX id, labelled by ATT&CK ID.',
      resolve: (d) => d.relationships,
    }),
    counts: t.field({ type: ReleaseDiffCounts, description: 'How many of each.', resolve: (d) => d.counts }),
    focus: t.field({
      type: ReleaseFocus,
      nullable: true,
      description: 'Set when the diff was narrowed to an object or a group.',
      resolve: (d) => d.focus ?? null,
    }),
  }),
});

const ReleaseDiffFocusInput = builder.inputType('ReleaseDiffFocus', {
  description: 'Narrows a release diff: give `object` or `group`, not both.',
  fields: (t) => ({
    object: t.string({ required: false, description: 'An object: STIX id, ATT&CK ID, name or alias.' }),
    group: t.string({
      required: false,
      description:
        'A group (or software, or campaign): also lists the techniques it gained and lost, and why.',
    }),
  }),
});

builder.queryField('releaseDiff', (t) =>
  t.field({
    type: ReleaseDiffType,
    description:
      'What changed in one domain between two imported releases (see `releases`): objects added, removed, revoked (with the replacement), deprecated, renamed and moved between tactics, and relationships added and removed; narrowed to an object or a group when `focus` is given.',
    args: {
      domain: t.arg({ type: DomainEnum, required: false, description: 'The domain (default ENTERPRISE).' }),
      from: t.arg.string({ required: true, description: 'The older release, such as 17.1.' }),
      to: t.arg.string({ required: false, description: "The newer release (default: the domain's newest)." }),
      focus: t.arg({
        type: ReleaseDiffFocusInput,
        required: false,
        description: 'Narrow to an object or a group.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const domain: Domain = args.domain ?? 'enterprise-attack';
      const object = args.focus?.object ?? undefined;
      const group = args.focus?.group ?? undefined;
      if (object !== undefined && group !== undefined)
        throw badInput('focus: give `object` or `group`, not both.');
      const [x, y] = await catalogPair(ctx, domain, args.from, args.to);
      return asUserError(() =>
        releaseDiff(x, y, { ...(object ? { object } : {}), ...(group ? { group } : {}) }),
      );
    },
  }),
);
