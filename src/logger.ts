import { pino } from 'pino';
import type { Config } from './env.ts';

export type Logger = pino.Logger;

/** One JSON line per event on stdout, filtered by LOG_LEVEL. */
export function createLogger(level: Config['log']['level'], destination?: pino.DestinationStream): Logger {
  return pino({ name: 'attack-graph', level, base: { pid: process.pid } }, destination);
}
