import { graphql } from '../../graphql.ts';

/** One domain's tactics in matrix order, each with its techniques and their sub-techniques. */
export const MatrixQuery = graphql(`
  query Matrix($domain: Domain!, $release: String) {
    tactics(domain: $domain, release: $release) {
      attackId
      shortname
      name
      techniques(first: 1000) {
        nodes {
          attackId
          name
          subtechniques(first: 100) { nodes { attackId name } }
        }
      }
    }
  }
`);

/** The techniques one group uses along the chosen paths: one overlay layer. */
export const GroupUsageQuery = graphql(`
  query GroupUsage($id: String!, $via: [UsageVia!], $release: String) {
    group(attackId: $id, release: $release) {
      attackId
      name
      techniques(first: 1000, via: $via) { edges { via node { attackId } } }
    }
  }
`);

/** How many groups use each technique of the domain along the chosen paths: the prevalence overlay. */
export const PrevalenceQuery = graphql(`
  query Prevalence($domain: Domain!, $via: [UsageVia!], $release: String) {
    techniquePrevalence(domain: $domain, actors: [GROUP], via: $via, limit: 1000, release: $release) {
      actorCount
      techniques { count share technique { attackId } }
    }
  }
`);
