import { NEO4J_VERSION } from '../../src/local-neo4j/index.ts';

/** The Docker image of the one Neo4j version the project runs: docker-compose.yml pins the same tag. */
export const NEO4J_IMAGE = `neo4j:${NEO4J_VERSION}-community`;
