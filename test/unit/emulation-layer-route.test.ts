import { describe, expect, it } from 'vitest';
import { type GraphQLResult, handleLayerRequest, LAYER_PATH } from '../../src/http/layer-downloads.ts';

/** The emulation plan layer download's routing: which GraphQL query and variables a URL becomes. */
describe('GET /layers/emulation-plans/...', () => {
  const run = async (url: string, answer: GraphQLResult) => {
    const seen: { query: string; variables: Record<string, unknown> }[] = [];
    const response = await handleLayerRequest(new Request(url), async (query, variables) => {
      seen.push({ query, variables });
      return answer;
    });
    return { response, seen };
  };

  it('asks emulationPlan for the group and the query parameters, and answers its layer', async () => {
    const layer = { name: 'G0016 APT29 emulation plan (Windows)', techniques: [] };
    const { response, seen } = await run(
      'http://x/layers/emulation-plans/groups/G0016.json?platform=Windows&via=direct,campaign&release=18.1',
      { data: { result: { layer } } },
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.query).toContain('emulationPlan(group: $group, campaign: $campaign');
    expect(seen[0]?.variables).toEqual({
      group: 'G0016',
      platform: 'Windows',
      via: ['DIRECT', 'CAMPAIGN'],
      release: '18.1',
    });
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-disposition')).toContain('G0016-emulation-plan.json');
    await expect(response?.json()).resolves.toEqual(layer);
  });

  it('routes a campaign, and answers 404 when there is no such actor', async () => {
    const { response, seen } = await run('http://x/layers/emulation-plans/campaigns/C9999.json', {
      data: { result: null },
    });
    expect(seen[0]?.variables).toEqual({ campaign: 'C9999' });
    expect(response?.status).toBe(404);
  });

  it('is a layer path for the router (access rules and limits of the layers apply)', () => {
    expect(LAYER_PATH.test('/layers/emulation-plans/groups/G0016.json')).toBe(true);
    expect(LAYER_PATH.test('/layers/emulation-plans/campaigns/C0024.json')).toBe(true);
    expect(LAYER_PATH.test('/layers/emulation-plans/software/S0002.json')).toBe(false);
  });
});
