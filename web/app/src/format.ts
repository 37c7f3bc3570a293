const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat();

export function formatCount(value: bigint | number): string {
  const n = Number(value);
  return n < 10000 ? whole.format(n) : compact.format(n);
}

export function formatHeat(value: number): string {
  return value >= 100 ? whole.format(Math.round(value)) : value.toFixed(1);
}

export function formatRate(value: number): string {
  return `${value.toFixed(value < 10 ? 1 : 0)}/s`;
}

/** A google.protobuf.Timestamp (as the SDK's messages carry it) in Unix ms. */
export function timestampMs(timestamp: { seconds: bigint; nanos: number }): number {
  return Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}

/** A Timestamp for a request field, from Unix ms. */
export function timestampOf(ms: number): { seconds: bigint; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function formatCoins(value: bigint | number): string {
  return `${formatCount(value)} ${Number(value) === 1 ? 'coin' : 'coins'}`;
}
