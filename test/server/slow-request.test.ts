import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.ts';
import { testConfig } from '../helpers/db.ts';
import { connectMiniDb, serve, type TestDb } from '../helpers/server.ts';

/**
 * Replays issue 16's slow-body finding against a real listening server: a client that trickles
 * its request was kept for Node's default of 300 s. HTTP_REQUEST_BODY_TIMEOUT_MS bounds it.
 */

let db: TestDb;
let server: Server;
let port: number;
const TIMEOUT_MS = 500;
const BYTE_EVERY_MS = 50;

beforeAll(async () => {
  db = await connectMiniDb();
  const env = { HTTP_REQUEST_BODY_TIMEOUT_MS: String(TIMEOUT_MS) };
  server = createHttpServer(serve(db, env).yoga, {
    requestTimeoutMs: testConfig(env).http.requestBodyTimeoutMs,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await db?.close();
});

/**
 * Sends `head` at once, then `trickle` one byte every BYTE_EVERY_MS until the server closes the
 * connection; returns what the server answered and how many trickled bytes it took.
 */
function trickle(head: string, trickled: string): Promise<{ answer: string; sent: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', () => {
      // A reset after the 408 is also a closed connection.
    });
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, sent });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= trickled.length) {
          clearInterval(timer);
          socket.destroy();
          reject(new Error('the server read the whole trickled request without closing the connection'));
          return;
        }
        socket.write(trickled.charAt(sent++));
      }, BYTE_EVERY_MS);
    });
  });
}

describe('a request trickled in slowly', () => {
  it('gets 408 and a closed connection once HTTP_REQUEST_BODY_TIMEOUT_MS has passed (body)', async () => {
    // 400 bytes at one per 50 ms would take 20 s: the server must give up long before.
    const body = JSON.stringify({ query: `{ __typename }${' '.repeat(370)}` });
    const head =
      'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${body.length}\r\n\r\n`;
    const { answer, sent } = await trickle(head, body);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(body.length);
  });

  it('gets 408 and a closed connection when the headers themselves trickle', async () => {
    const headers = `Host: 127.0.0.1\r\nX-Slow: ${'a'.repeat(400)}\r\n\r\n`;
    const { answer, sent } = await trickle('GET /health HTTP/1.1\r\n', headers);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(headers.length);
  });

  it('leaves ordinary requests alone', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ status { objectCount } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { status: { objectCount: expect.any(Number) } } });
  });
});
