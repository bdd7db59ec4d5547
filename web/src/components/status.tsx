import type { CombinedError } from '@urql/core';

/** A request that failed, in words: a missing or wrong API key says how to give one. */
export function ErrorNote({ error, message }: { error?: CombinedError; message?: string }) {
  const status = (error?.response as Response | undefined)?.status;
  const text =
    status === 401 || status === 403
      ? 'This API needs an API key: enter it under "API key" above.'
      : (message ?? error?.message ?? 'Something went wrong.');
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

export const Loading = () => <p aria-live="polite">Loading…</p>;
