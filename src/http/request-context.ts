import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line of a request carries. */
export interface RequestStore {
  reqId: string;
}

/** Entered when a request arrives, so log lines written anywhere below it name the request. */
export const requestStore = new AsyncLocalStorage<RequestStore>();
