import { useClient } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ResultOf } from '../../graphql.ts';
import { currentRelease } from '../../release.ts';
import { GroupUsageQuery } from './documents.ts';

export type UsageVia = 'DIRECT' | 'CAMPAIGN' | 'SOFTWARE';
export const ALL_VIA: readonly UsageVia[] = ['DIRECT', 'CAMPAIGN', 'SOFTWARE'];

export interface GroupUsage {
  attackId: string;
  name: string;
  /** ATT&CK IDs of the techniques and sub-techniques it uses. */
  techniques: Set<string>;
}

export interface Usages {
  groups: GroupUsage[];
  fetching: boolean;
  /** Groups that were asked for but do not exist, or a request that failed. */
  problems: string[];
}

type Group = NonNullable<ResultOf<typeof GroupUsageQuery>['group']>;

const toUsage = (group: Group): GroupUsage => ({
  attackId: group.attackId ?? '',
  name: group.name ?? '',
  techniques: new Set(group.techniques.edges.map((e) => e.node.attackId ?? '')),
});

/** The usage of each group in `ids` along `via`: one query per group, all in flight at once. */
export function useGroupUsages(ids: readonly string[], via: readonly UsageVia[]): Usages {
  const client = useClient();
  const release = currentRelease();
  const key = `${ids.join(',')}|${via.join(',')}|${release ?? ''}`;
  const [state, setState] = useState<Usages & { key: string }>({
    key: '',
    groups: [],
    fetching: false,
    problems: [],
  });
  useEffect(() => {
    if (ids.length === 0) {
      setState({ key, groups: [], fetching: false, problems: [] });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, fetching: true }));
    void Promise.all(
      ids.map((id) => client.query(GroupUsageQuery, { id, via: [...via], release }).toPromise()),
    ).then((results) => {
      if (!live) return;
      const groups: GroupUsage[] = [];
      const problems: string[] = [];
      results.forEach((result, i) => {
        if (result.error) problems.push(`${ids[i]}: ${result.error.message}`);
        else if (!result.data?.group) problems.push(`No group ${ids[i]}.`);
        else groups.push(toUsage(result.data.group));
      });
      setState({ key, groups, fetching: false, problems });
    });
    return () => {
      live = false;
    };
    // `key` stands for ids, via and release.
  }, [client, key]);
  return state.key === key ? state : { groups: [], fetching: true, problems: [] };
}
