import type { TracingOptions } from '@live/sdk';

/**
 * `?trace=<share>` in the page's address (e.g. `?trace=1`) has that share of this tab's danmaku sends and
 * gRPC-Web calls traced through the services, all in one trace per page load; each traced one's traceparent
 * goes to the console, to look it up in the tracing backend (docs/operations.md, "Following one message").
 * Without it nothing is traced. A value that is not a share from 0 to 1 is reported and ignored.
 */
export function tracingFromAddress(search: string, traceId: string, log: (line: string) => void): TracingOptions | undefined {
  const value = new URLSearchParams(search).get('trace');
  if (value === null) return undefined;
  const ratio = Number(value);
  if (value.trim() === '' || !(ratio >= 0 && ratio <= 1)) {
    log(`trace=${value} ignored: give a share of sends from 0 to 1, e.g. ?trace=1`);
    return undefined;
  }
  return {
    sampleRatio: ratio,
    traceId: () => traceId,
    onTraced: (traceparent, what) => log(`traced ${traceparent} ${what}`),
  };
}
