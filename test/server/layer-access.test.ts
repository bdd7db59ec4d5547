import { describe, expect, it } from 'vitest';
import { serve, useMiniDb } from '../helpers/server.ts';

const mini = useMiniDb();

const KEY = 'layer-key-0123456789abcdef';

describe('Navigator layer downloads', () => {
  it('need a valid key when keys are configured, like /graphql', async () => {
    const app = serve(mini.db, { API_KEYS: KEY });
    const denied = await app.get('/layers/groups/G0001.json');
    expect(denied.status).toBe(401);
    const allowed = await app.get('/layers/groups/G0001.json', { authorization: `Bearer ${KEY}` });
    expect(allowed.status).toBe(200);
    const layer = (await allowed.json()) as {
      versions: { layer: string };
      techniques: { techniqueID: string }[];
    };
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.techniques.map((t) => t.techniqueID)).toContain('T1003.001');
  });

  it('count against the rate limit', async () => {
    const app = serve(mini.db, { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '1' });
    expect((await app.get('/layers/groups/G0001.json')).status).toBe(200);
    const limited = await app.get('/layers/groups/G0001.json');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
