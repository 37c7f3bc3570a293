// Client for the gRPC server reflection protocol (grpc/reflection/v1/reflection.proto).
// v1 and v1alpha use identical messages and differ only in the service name, so we try v1
// first and fall back to v1alpha for older servers, then stick with whichever answered.

import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { SymbolNotFoundError } from './descriptors.mjs';
import { GrpcStatusError, waitForFinalStatus } from './status.mjs';

const REFLECTION_PROTO = `
syntax = "proto3";
package grpc.reflection.v1;

message ServerReflectionRequest {
  string host = 1;
  oneof message_request {
    string file_by_filename = 3;
    string file_containing_symbol = 4;
    ExtensionRequest file_containing_extension = 5;
    string all_extension_numbers_of_type = 6;
    string list_services = 7;
  }
}
message ExtensionRequest {
  string containing_type = 1;
  int32 extension_number = 2;
}
message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ExtensionNumberResponse all_extension_numbers_response = 5;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ExtensionNumberResponse { string base_type_name = 1; repeated int32 extension_number = 2; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ServiceResponse { string name = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
`;

const reflectionRoot = protobuf.parse(REFLECTION_PROTO, { keepCase: true }).root;
const ServerReflectionRequest = reflectionRoot.lookupType('grpc.reflection.v1.ServerReflectionRequest');
const ServerReflectionResponse = reflectionRoot.lookupType('grpc.reflection.v1.ServerReflectionResponse');

const REFLECTION_METHOD_PATHS = [
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
];

export class ReflectionNotSupportedError extends Error {
  constructor() {
    super('server does not support the reflection API');
  }
}

export class ReflectionClient {
  #client;
  #metadata;
  #deadline;
  #methodPath = null;

  /**
   * @param {grpc.Client} client
   * @param {{metadata: grpc.Metadata, deadline?: Date}} options
   */
  constructor(client, { metadata, deadline }) {
    this.#client = client;
    this.#metadata = metadata;
    this.#deadline = deadline;
  }

  async listServices() {
    const response = await this.#request({ list_services: '' });
    return response.list_services_response.service.map((service) => service.name);
  }

  /** Serialized FileDescriptorProtos: the file defining the symbol, usually with its dependencies. */
  async fileContainingSymbol(symbol) {
    const response = await this.#request({ file_containing_symbol: symbol });
    return response.file_descriptor_response.file_descriptor_proto;
  }

  async fileByFilename(filename) {
    const response = await this.#request({ file_by_filename: filename });
    return response.file_descriptor_response.file_descriptor_proto;
  }

  async #request(request) {
    const candidates = this.#methodPath ? [this.#methodPath] : REFLECTION_METHOD_PATHS;
    for (const methodPath of candidates) {
      let response;
      try {
        response = await this.#exchange(methodPath, request);
      } catch (err) {
        if (err.code === grpc.status.UNIMPLEMENTED) continue;
        throw err;
      }
      this.#methodPath = methodPath;
      if (response.error_response) throw toLookupError(response.error_response);
      return response;
    }
    throw new ReflectionNotSupportedError();
  }

  /** One request/response on a fresh stream: simple, and cheap over a shared HTTP/2 connection. */
  async #exchange(methodPath, request) {
    const call = this.#client.makeBidiStreamRequest(
      methodPath,
      (message) => Buffer.from(ServerReflectionRequest.encode(message).finish()),
      (bytes) => ServerReflectionResponse.decode(bytes),
      this.#metadata,
      { deadline: this.#deadline },
    );
    let response;
    call.on('data', (message) => {
      response ??= message;
    });
    const finished = waitForFinalStatus(call);
    call.write(ServerReflectionRequest.create(request));
    call.end();

    const status = await finished;
    if (status.code !== grpc.status.OK) throw new GrpcStatusError(status);
    if (!response) throw new Error('reflection stream ended without a response');
    return response;
  }
}

function toLookupError({ error_code: code, error_message: message }) {
  if (code === grpc.status.NOT_FOUND) return new SymbolNotFoundError(message || 'not found');
  return new GrpcStatusError({ code, details: message });
}
