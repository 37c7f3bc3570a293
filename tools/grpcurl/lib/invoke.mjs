// Invokes an RPC described by the descriptor pool, converting JSON requests to protobuf and
// responses back to JSON. Every kind of method (unary, client-, server- or bidi-streaming) is
// driven through one bidi stream call: on the wire they are all the same HTTP/2 exchange, and
// only the number of messages each side sends differs.

import grpc from '@grpc/grpc-js';
import { SymbolNotFoundError } from './descriptors.mjs';
import { ProtoJsonError } from './protojson.mjs';
import { waitForFinalStatus } from './status.mjs';
import { decodeMessage, encodeMessage } from './wire.mjs';

/** A problem preparing the call; grpcurl reports these as `Error invoking method "...": ...`. */
export class InvocationError extends Error {}

/**
 * @typedef {object} InvocationHandler  Receives events in the order grpcurl reports them.
 * @property {(method) => void} onResolveMethod
 * @property {(metadata: grpc.Metadata) => void} onSendHeaders
 * @property {(metadata: grpc.Metadata) => void} onReceiveHeaders
 * @property {(json: any) => void} onReceiveResponse
 * @property {(responseNumber: number, error: Error) => void} onResponseFormatError
 * @property {(status: grpc.StatusObject) => void} onReceiveTrailers
 */

/**
 * @param {object} options
 * @param {grpc.Client} options.client
 * @param {import('./descriptors.mjs').DescriptorPool} options.pool
 * @param {import('./protojson.mjs').ProtoJsonCodec} options.codec
 * @param {string} options.methodName  "package.Service/Method" or "package.Service.Method"
 * @param {any[]} options.requests  parsed JSON request messages
 * @param {grpc.Metadata} options.metadata
 * @param {Date} [options.deadline]
 * @param {InvocationHandler} options.handler
 */
export async function invokeMethod({ client, pool, codec, methodName, requests, metadata, deadline, handler }) {
  const method = await resolveMethod(pool, methodName);
  handler.onResolveMethod(method);

  const inputType = await pool.withMissingTypesLoaded(() => method.inputType);
  const outputType = await pool.withMissingTypesLoaded(() => method.outputType);
  if (!inputType || !outputType) {
    throw new InvocationError(`the schema does not describe the message types of "${method.fullName}"`);
  }
  const encodedRequests = await encodeRequests(pool, codec, method, inputType, requests);

  handler.onSendHeaders(metadata);
  const passThrough = (bytes) => bytes;
  const callOptions = deadline ? { deadline } : {};
  const call = client.makeBidiStreamRequest(
    `/${method.parent.fullName}/${method.name}`, passThrough, passThrough, metadata, callOptions);

  let headersReported = false;
  let responseCount = 0;
  // Responses may need type lookups (Any) before printing; chain them to keep their order.
  let printing = Promise.resolve();
  call.on('metadata', (headers) => {
    headersReported = true;
    handler.onReceiveHeaders(headers);
  });
  call.on('data', (bytes) => {
    const responseNumber = ++responseCount;
    const convert = () => codec.toJson(outputType, decodeMessage(outputType, bytes));
    printing = printing.then(async () => {
      let json;
      try {
        json = await pool.withMissingTypesLoaded(convert);
      } catch (err) {
        handler.onResponseFormatError(responseNumber, err);
        return;
      }
      handler.onReceiveResponse(json);
    });
  });
  const finished = waitForFinalStatus(call);
  for (const request of encodedRequests) call.write(request);
  call.end();

  const status = await finished;
  await printing;
  // A server that fails straight away sends trailers only, with no separate headers.
  if (!headersReported) handler.onReceiveHeaders(new grpc.Metadata());
  handler.onReceiveTrailers(status);
  return { status, requestCount: requests.length, responseCount };
}

/** Accepts both "pkg.Service/Method" and "pkg.Service.Method", like grpcurl. */
function splitMethodName(methodName) {
  const separator = methodName.includes('/') ? methodName.lastIndexOf('/') : methodName.lastIndexOf('.');
  if (separator < 0) return [];
  return [methodName.slice(0, separator).replace(/^\./, ''), methodName.slice(separator + 1)];
}

async function resolveMethod(pool, methodName) {
  const [serviceName, shortName] = splitMethodName(methodName);
  if (!serviceName || !shortName) {
    throw new InvocationError(`given method name "${methodName}" is not in expected format: 'service/method' or 'service.method'`);
  }
  let service;
  try {
    service = await pool.findSymbol(serviceName);
  } catch (err) {
    if (err instanceof SymbolNotFoundError) throw new InvocationError(`target server does not expose service "${serviceName}"`);
    throw new InvocationError(`failed to query for service descriptor "${serviceName}": ${err.message}`, { cause: err });
  }
  if (service.kind !== 'service') throw new InvocationError(`target server does not expose service "${serviceName}"`);
  const method = service.findMethod(shortName);
  if (!method) throw new InvocationError(`service "${serviceName}" does not include a method named "${shortName}"`);
  return method;
}

async function encodeRequests(pool, codec, method, inputType, requests) {
  if (!method.clientStreaming && requests.length > 1) {
    const kind = method.serverStreaming ? 'server-streaming' : 'unary';
    throw new InvocationError(`method "${method.fullName}" is a ${kind} RPC, but request data contained more than 1 message`);
  }
  try {
    const encoded = await pool.withMissingTypesLoaded(() =>
      requests.map((json) => encodeMessage(inputType, codec.fromJson(inputType, json))));
    // Methods taking exactly one request get an empty message when no data was given.
    if (!method.clientStreaming && encoded.length === 0) encoded.push(encodeMessage(inputType, {}));
    return encoded.map((bytes) => Buffer.from(bytes));
  } catch (err) {
    if (!(err instanceof ProtoJsonError)) throw err;
    throw new InvocationError(`error getting request data: ${err.message}`, { cause: err });
  }
}
