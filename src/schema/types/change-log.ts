/**
 * The public shape of what an import changed (src/change-log.ts), one type each, shared by
 * `ImportRun`, `changes` and `techniqueChanges`.
 */
import type { ObjectFieldBuilder } from '@pothos/core';
import type {
  ChangeKind,
  ObjectChange as ObjectChangeRow,
  RelationshipChange as RelationshipChangeRow,
} from '../../change-log.ts';
import { builder, type SchemaTypes } from '../builder.ts';

export const ChangeKindEnum = builder.enumType('ChangeKind', {
  description: 'What an import did to an object.',
  values: {
    ADDED: { value: 'added', description: 'New in this release (or new to this domain).' },
    MODIFIED: { value: 'modified', description: 'Changed content.' },
    REVOKED: { value: 'revoked', description: 'Revoked: replaced by another object.' },
    DEPRECATED: { value: 'deprecated', description: 'Deprecated: no longer maintained.' },
    REMOVED: { value: 'removed', description: 'Gone from the bundle.' },
  } as const,
});

export const VersionChangeEnum = builder.enumType('VersionChange', {
  description: "How a modified object's `x_mitre_version` moved.",
  values: {
    MAJOR: { value: 'major', description: 'A new major version: the meaning changed.' },
    MINOR: { value: 'minor', description: 'A new minor version: a smaller edit.' },
    NONE: { value: 'none', description: 'The same version: metadata only.' },
  } as const,
});

/**
 * The fields of one changed object: an import run's `ObjectChange`, and a release diff's
 * `ReleaseObjectChange`, which adds the replacement, rename and tactic move.
 */
export const objectChangeFields = <T extends ObjectChangeRow>(
  t: ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, T>,
  nameDescription: string,
) => ({
  change: t.field({ type: ChangeKindEnum, description: 'What happened to it.', resolve: (c) => c.change }),
  stixId: t.string({ description: 'Its STIX id.', resolve: (c) => c.stixId }),
  attackId: t.string({ nullable: true, description: 'Its ATT&CK ID.', resolve: (c) => c.attackId ?? null }),
  name: t.string({ description: nameDescription, resolve: (c) => c.name }),
  stixType: t.string({ description: 'Its STIX type, such as `attack-pattern`.', resolve: (c) => c.stixType }),
  versionChange: t.field({
    type: VersionChangeEnum,
    nullable: true,
    description: 'For modified objects: how the version moved.',
    resolve: (c) => c.versionChange ?? null,
  }),
  fromVersion: t.string({
    nullable: true,
    description: 'For modified objects: the version before.',
    resolve: (c) => c.fromVersion ?? null,
  }),
  toVersion: t.string({
    nullable: true,
    description: 'For modified objects: the version after.',
    resolve: (c) => c.toVersion ?? null,
  }),
});

export const ObjectChange = builder.objectRef<ObjectChangeRow>('ObjectChange').implement({
  description: 'One object an import added, modified, revoked, deprecated or removed.',
  fields: (t) => objectChangeFields(t, 'Its name.'),
});

export const ChangeCount = builder.objectRef<{ change: ChangeKind; count: number }>('ChangeCount').implement({
  description: 'How many objects one kind of change touched.',
  fields: (t) => ({
    change: t.field({ type: ChangeKindEnum, description: 'The kind of change.', resolve: (c) => c.change }),
    count: t.exposeInt('count', { description: 'How many.' }),
  }),
});

const RelationshipChangeKindEnum = builder.enumType('RelationshipChangeKind', {
  description: 'What an import did to a relationship.',
  values: {
    ADDED: { value: 'added', description: 'New relationship.' },
    MODIFIED: { value: 'modified', description: 'Changed text or citations.' },
    REMOVED: { value: 'removed', description: 'Gone from the bundle.' },
  } as const,
});

export const RelationshipChange = builder.objectRef<RelationshipChangeRow>('RelationshipChange').implement({
  description: 'One relationship an import added, modified or removed.',
  fields: (t) => ({
    change: t.field({
      type: RelationshipChangeKindEnum,
      description: 'What happened to it.',
      resolve: (c) => c.change,
    }),
    type: t.exposeString('type', { description: 'The relationship type, such as MITIGATES.' }),
    key: t.exposeString('key', {
      description:
        "Its key: the STIX relationship id, or a key built from its ends for a link the data implies (such as a technique's tactic).",
    }),
    from: t.exposeString('from', { description: 'The ATT&CK ID (or name) of its source.' }),
    to: t.exposeString('to', { description: 'The ATT&CK ID (or name) of its target.' }),
  }),
});
