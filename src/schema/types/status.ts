import { fetchStatus } from '../../data/status.ts';
import { builder } from '../builder.ts';

const Status = builder.simpleObject('Status', {
  description: 'What this API is serving from: the Neo4j server and how much ATT&CK data it holds.',
  fields: (t) => ({
    neo4jVersion: t.string({ description: 'The Neo4j server version, such as 5.26.30.', nullable: false }),
    neo4jEdition: t.string({ description: 'The Neo4j edition: community or enterprise.', nullable: false }),
    objectCount: t.int({
      description: 'How many ATT&CK objects the graph holds, revoked and deprecated ones included.',
      nullable: false,
    }),
  }),
});

builder.queryField('status', (t) =>
  t.field({
    type: Status,
    nullable: false,
    description: 'The state of the backing graph; one database round trip.',
    resolve: (_root, _args, ctx) => fetchStatus(ctx.db),
  }),
);
