import { pino } from 'pino';
import type { Config } from './env.ts';
import { requestStore } from './http/request-context.ts';

export type Logger = pino.Logger;

/**
 * One JSON line per event on stdout, filtered by LOG_LEVEL. Lines written while a request runs
 * carry its `reqId`. Credentials never reach a line: headers are not logged, and `authorization`,
 * `password` and `variables` fields are redacted wherever they appear.
 */
export function createLogger(level: Config['log']['level'], destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'attack-graph',
      level,
      base: { pid: process.pid },
      mixin: () => {
        const store = requestStore.getStore();
        return store ? { reqId: store.reqId } : {};
      },
      redact: {
        paths: [
          '*.authorization',
          '*.headers.authorization',
          'password',
          '*.password',
          'variables',
          '*.variables',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
