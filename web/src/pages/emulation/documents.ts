import { graphql } from '../../graphql.ts';

export const EmulationPlanQuery = graphql(`
  query EmulationPlanPage($group: String!, $platform: String, $release: String) {
    emulationPlan(group: $group, platform: $platform, release: $release) {
      actorAttackId
      actorName
      platform
      release
      testedCount
      untestedCount
      steps {
        phase
        technique { attackId name }
        software { attackId name }
        atomicTests { guid name executor }
        detectionRules { title level }
        untested
      }
      offPlatform { attackId name }
    }
  }
`);

/** The exports, asked for only when a person downloads them. */
export const EmulationPlanExportQuery = graphql(`
  query EmulationPlanExport($group: String!, $platform: String, $release: String) {
    emulationPlan(group: $group, platform: $platform, release: $release) { markdown layer }
  }
`);
