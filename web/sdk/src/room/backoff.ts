/** Reconnect delays: exponential growth with full jitter, so clients cut off together do not return together. */
export interface BackoffOptions {
  /** The ceiling of the first delay (default 500 ms). */
  initialMs?: number;
  /** The largest ceiling (default 30 s). */
  maxMs?: number;
}

/** The delay before reconnect attempt `attempt` (0-based): uniform in [0, min(max, initial · 2^attempt)). */
export function fullJitterDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
