// gRPC call outcomes: waiting for a call's final status, naming status codes the way grpcurl
// (Go) prints them, and reading the rich error details servers put in grpc-status-details-bin.

import protobuf from 'protobufjs';

/** Names from Go's codes.Code.String(), which is what grpcurl prints ("Canceled" has one L). */
const STATUS_CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange',
  'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

export function statusCodeName(code) {
  return STATUS_CODE_NAMES[code] ?? `Code(${code})`;
}

/** A call that ended with a non-OK status. */
export class GrpcStatusError extends Error {
  constructor({ code, details, metadata }) {
    super(details);
    this.code = code;
    this.details = details;
    this.metadata = metadata;
  }
}

/**
 * grpc-js signals the end of a stream twice: 'status' carries the outcome, and 'end' fires once
 * every received message has been delivered. Waiting for both means no message is lost when
 * the status happens to be emitted first.
 * @returns {Promise<import('@grpc/grpc-js').StatusObject>}
 */
export function waitForFinalStatus(call) {
  const ended = new Promise((resolve) => call.once('end', resolve));
  const status = new Promise((resolve) => call.once('status', resolve));
  call.on('error', () => {}); // the same failure is reported through 'status'
  return Promise.all([status, ended]).then(([finalStatus]) => finalStatus);
}

const RpcStatus = protobuf.parse(`
syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
message Any { string type_url = 1; bytes value = 2; }
`, { keepCase: true }).root.lookupType('google.rpc.Status');

/** The google.rpc.Status detail messages (as {type_url, value}) attached to a failed call. */
export function statusDetails(metadata) {
  const [encoded] = metadata?.get('grpc-status-details-bin') ?? [];
  if (!encoded) return [];
  try {
    return RpcStatus.decode(encoded).details;
  } catch {
    return []; // malformed details must not hide the status itself
  }
}
