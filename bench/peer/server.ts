/**
 * The benchmark's peer: `@neo4j/graphql` over the same database, served by graphql-yoga on
 * node:http exactly as the API is (same server stack, loopback, one process), so the columns
 * differ by the GraphQL layer only. Reads NEO4J_* and HOST/PORT through src/env.ts, like the API.
 * GET /ready answers once the schema is built.
 */
import { createServer } from 'node:http';
import { Neo4jGraphQL } from '@neo4j/graphql';
import { createYoga } from 'graphql-yoga';
import { loadConfig } from '../../src/env.ts';
import { createDriver } from '../../src/neo4j/driver.ts';
import { PEER_TYPE_DEFS } from './type-defs.ts';

const config = loadConfig();
const driver = createDriver(config.neo4j);
const schema = await new Neo4jGraphQL({ typeDefs: PEER_TYPE_DEFS, driver }).getSchema();
const yoga = createYoga({
  schema,
  graphqlEndpoint: '/graphql',
  healthCheckEndpoint: '/ready',
  graphiql: false,
  landingPage: false,
  logging: 'warn',
  context: () => ({ sessionConfig: { database: config.neo4j.database } }),
});
const server = createServer(yoga);
server.listen(config.server.port, config.server.host);
const stop = () =>
  server.close(async () => {
    await driver.close();
    process.exit(0);
  });
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
