import { describe, expect, it } from 'vitest';
import { serve, useMiniDb } from '../helpers/server.ts';

/** Replays issue 16's findings on request bodies: each answer says plainly what is wrong. */

const mini = useMiniDb();

type Body = { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };

describe('request parsing', () => {
  it('answers an invalid JSON body with a plain 400 BAD_REQUEST, without the parser exception', async () => {
    const app = serve(mini.db, { APP_ENV: 'production' });
    for (const body of ['{', '{"query": }', '{"query":"{ __typename }"', '', "{'query': '{ __typename }'}"]) {
      const response = await app.post(body);
      expect(response.status, body).toBe(400);
      const text = await response.text();
      // Yoga's answer carried {"originalError":{"name":"SyntaxError","message":"... is not valid JSON"}}.
      expect(text, body).not.toMatch(/originalError|SyntaxError/);
      expect(JSON.parse(text), body).toEqual({
        errors: [
          {
            message: expect.stringMatching(/^The request body is not valid JSON\./),
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
    }
  });

  it('answers JSON that is not an object with 400 BAD_REQUEST naming what it got', async () => {
    const app = serve(mini.db);
    for (const [body, got] of [
      ['null', 'null'],
      ['"text"', 'a string'],
      ['42', 'a number'],
      ['true', 'a boolean'],
    ]) {
      const response = await app.post(body ?? '');
      expect(response.status, body).toBe(400);
      const json = (await response.json()) as Body;
      expect(json.errors?.[0]?.extensions).toEqual({ code: 'BAD_REQUEST' });
      expect(json.errors?.[0]?.message, body).toContain(`not ${got}.`);
    }
  });

  it('answers a GET whose variables or extensions are not JSON with 400 BAD_REQUEST, not a 500', async () => {
    const app = serve(mini.db);
    for (const name of ['variables', 'extensions']) {
      const response = await app.get(`/graphql?query=%7B__typename%7D&${name}=%7Bbad`, {
        'x-graphql-csrf': '1',
      });
      expect(response.status, name).toBe(400);
      expect(await response.json()).toEqual({
        errors: [
          { message: `The "${name}" parameter is not valid JSON.`, extensions: { code: 'BAD_REQUEST' } },
        ],
      });
    }
    const fine = await app.get(
      '/graphql?query=query(%24n%3AInt)%7Btechniques(first%3A%24n)%7BtotalCount%7D%7D&variables=%7B%22n%22%3A1%7D',
      {
        'x-graphql-csrf': '1',
      },
    );
    expect(await fine.json()).toMatchObject({ data: { techniques: { totalCount: expect.any(Number) } } });
  });

  it('accepts JSON media types in any case, since media types are case-insensitive', async () => {
    const app = serve(mini.db, { APP_ENV: 'production' });
    for (const type of [
      'APPLICATION/JSON',
      'Application/Json; charset=UTF-8',
      'application/json;CHARSET=utf-8',
      'application/GRAPHQL+json',
    ]) {
      const response = await app.post({ query: '{ __typename }' }, { 'content-type': type });
      expect(response.status, type).toBe(200);
      expect(await response.json(), type).toMatchObject({ data: { __typename: 'Query' } });
    }
    // Other media types are still refused, in any case.
    const form = await app.post('query={__typename}', {
      'content-type': 'APPLICATION/X-WWW-FORM-URLENCODED',
    });
    expect(form.status).toBe(415);
  });

  it('still limits a body that comes without Content-Length (MAX_BODY_BYTES, 413)', async () => {
    const app = serve(mini.db, { MAX_BODY_BYTES: '2048' });
    const chunk = new TextEncoder().encode(
      `{"query":"{ __typename }","variables":{"s":"${'x'.repeat(4096)}"}}`,
    );
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await app.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      errors: [{ extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    });
  });
});
