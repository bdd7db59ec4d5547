import { graphql } from '../../graphql.ts';

export const GroupPageQuery = graphql(`
  query GroupPage($id: String!, $release: String) {
    group(attackId: $id, release: $release) {
      attackId
      name
      aliases
      description
      url
      references { sourceName description url }
      software(first: 1000) { edges { node { attackId name } } }
      campaigns(first: 1000) { nodes { attackId name } }
    }
    similarGroups(group: $id, limit: 5, release: $release) {
      similar { group { attackId name } score sharedCount }
    }
  }
`);
