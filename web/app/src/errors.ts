import { describeError as describeRpcError } from '@live/sdk';

/** gRPC status codes the app tells apart (the SDK's calls fail with a ConnectError carrying one). */
export const Status = {
  NotFound: 5,
  Unauthenticated: 16,
} as const;

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server's reason for people (the Proxy's reason included when it refused the call itself). */
export function describeError(error: unknown): string {
  const described = describeRpcError(error);
  const retry = described.retryAfterMs !== undefined ? ` Retry in ${Math.ceil(described.retryAfterMs / 1000)} s.` : '';
  return `${described.message || described.codeName}${retry}`;
}
