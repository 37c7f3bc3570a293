import { Code, ConnectError } from "@connectrpc/connect";

/** An RPC failure as people and programs need it: the gRPC code, its name, the server's reason and any retry-after. */
export interface DescribedError {
  readonly code: Code;
  readonly codeName: string;
  readonly message: string;
  /** From the Proxy's `retry-after` (seconds) when a limit refused the call. */
  readonly retryAfterMs?: number;
}

export function describeError(error: unknown): DescribedError {
  const connect = ConnectError.from(error);
  // A refusal answered with an HTTP status (not 200) reaches fetch clients as "HTTP 401"; the Proxy's
  // reason still rides in grpc-message.
  const grpcMessage = connect.metadata.get("grpc-message");
  const message = connect.rawMessage.startsWith("HTTP ") && grpcMessage ? safeDecode(grpcMessage) : connect.rawMessage;
  const retryAfter = Number(connect.metadata.get("retry-after") ?? "");
  return {
    code: connect.code,
    codeName: Code[connect.code] ?? "Unknown",
    message,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
