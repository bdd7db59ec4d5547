import { graphql } from '../../graphql.ts';

export const TechniquePageQuery = graphql(`
  query TechniquePage($id: String!, $release: String) {
    technique(attackId: $id, release: $release) {
      attackId
      stixId
      domains
      name
      description
      url
      platforms
      isSubtechnique
      references { sourceName description url }
      tactics { nodes { shortname name } }
      parent { attackId name }
      subtechniques(first: 100) { nodes { attackId name } }
      groups(first: 1000) { totalCount edges { description node { attackId name } } }
      software(first: 1000) { totalCount edges { description node { attackId name } } }
      campaigns(first: 1000) { totalCount edges { description node { attackId name } } }
      mitigations(first: 100) { edges { description node { attackId name } } }
      detectionStrategies(first: 100) {
        nodes {
          attackId
          name
          analytics(first: 100) {
            nodes { attackId platforms logSources { name channel } }
          }
        }
      }
    }
  }
`);
