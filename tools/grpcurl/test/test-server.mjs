// A gRPC server for the tests: serves test/fixtures/echo.proto on an ephemeral loopback port,
// in plaintext or TLS, with server reflection answered from echo.protoset. That descriptor set
// comes from protoc (see README.md), so reflection carries exactly what a real server sends:
// map entries, proto3 optional, comments. Echo works on raw bytes, so tests see precisely what
// grpcurl.mjs encoded.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

const PROTO_PATH = fileURLToPath(new URL('./fixtures/echo.proto', import.meta.url));
const PROTOSET_PATH = fileURLToPath(new URL('./fixtures/echo.protoset', import.meta.url));
const SERVICE = 'grpcurl.testing.EchoService';

const root = protobuf.loadSync(PROTO_PATH);
const CountRequest = root.lookupType('grpcurl.testing.CountRequest');
const CountReply = root.lookupType('grpcurl.testing.CountReply');
const FailRequest = root.lookupType('grpcurl.testing.FailRequest');

const RpcStatus = protobuf.parse(`
syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
message Any { string type_url = 1; bytes value = 2; }
`, { keepCase: true }).root.lookupType('google.rpc.Status');

const raw = { serialize: (bytes) => bytes, deserialize: (bytes) => bytes };
const codec = (type) => ({
  serialize: (message) => Buffer.from(type.encode(message).finish()),
  deserialize: (bytes) => type.toObject(type.decode(bytes), { longs: Number }),
});

function method(name, requestCodec, responseCodec, requestStream, responseStream) {
  return {
    path: `/${SERVICE}/${name}`, requestStream, responseStream,
    requestSerialize: requestCodec.serialize, requestDeserialize: requestCodec.deserialize,
    responseSerialize: responseCodec.serialize, responseDeserialize: responseCodec.deserialize,
  };
}

const serviceDefinition = {
  Echo: method('Echo', raw, raw, false, false),
  Count: method('Count', codec(CountRequest), codec(CountReply), false, true),
  Sum: method('Sum', codec(CountReply), codec(CountReply), true, false),
  Double: method('Double', codec(CountReply), codec(CountReply), true, true),
  Fail: method('Fail', codec(FailRequest), raw, false, false),
  Sleep: method('Sleep', codec(CountRequest), codec(CountReply), false, false),
};

const implementation = {
  Echo(call, callback) {
    const headers = new grpc.Metadata();
    for (const [name, values] of Object.entries(call.metadata.toJSON())) {
      if (name.startsWith('x-')) values.forEach((value) => headers.add(name, value));
    }
    call.sendMetadata(headers);
    callback(null, call.request);
  },
  Count(call) {
    for (let value = 1; value <= call.request.count; value++) call.write({ value });
    call.end();
  },
  Sum(call, callback) {
    let value = 0;
    call.on('data', (reply) => { value += reply.value; });
    call.on('end', () => callback(null, { value }));
  },
  Double(call) {
    call.on('data', (reply) => call.write({ value: reply.value * 2 }));
    call.on('end', () => call.end());
  },
  Fail(call, callback) {
    const { code, message } = call.request;
    const details = RpcStatus.encode({
      code, message,
      details: [
        { type_url: 'type.googleapis.com/grpcurl.testing.CountReply', value: CountReply.encode({ value: 7 }).finish() },
        { type_url: 'type.googleapis.com/example.Unknown', value: Buffer.from([8, 1]) },
      ],
    }).finish();
    const metadata = new grpc.Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from(details));
    callback({ code, details: message, metadata });
  },
  Sleep(call, callback) {
    setTimeout(() => callback(null, { value: call.request.count }), call.request.count);
  },
};

const ServerReflectionRequest = protobuf.parse(`
syntax = "proto3";
message ServerReflectionRequest {
  string host = 1;
  oneof message_request { string file_by_filename = 3; string file_containing_symbol = 4; string list_services = 7; }
}
message ServerReflectionResponse {
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ServiceResponse { string name = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
`, { keepCase: true }).root;

/** Minimal reflection over a FileDescriptorSet: files are sent with all their dependencies. */
function reflectionServiceFor(protosetPath, version, listedServices) {
  const files = descriptor.FileDescriptorSet.decode(readFileSync(protosetPath)).file;
  const fileByName = new Map(files.map((file) => [file.name, file]));
  const fileBySymbol = new Map();
  for (const file of files) {
    const prefix = file.package ? `${file.package}.` : '';
    const indexMessages = (messages, scope) => messages.forEach((message) => {
      fileBySymbol.set(scope + message.name, file);
      indexMessages(message.nestedType, `${scope}${message.name}.`);
      message.enumType.forEach((nested) => fileBySymbol.set(`${scope}${message.name}.${nested.name}`, file));
    });
    indexMessages(file.messageType, prefix);
    file.enumType.forEach((enumType) => fileBySymbol.set(prefix + enumType.name, file));
    file.service.forEach((service) => fileBySymbol.set(prefix + service.name, file));
  }
  const withDependencies = (file, seen = new Set()) => {
    if (seen.has(file.name)) return [];
    seen.add(file.name);
    return [file, ...file.dependency.flatMap((name) => withDependencies(fileByName.get(name), seen))];
  };
  const Request = ServerReflectionRequest.lookupType('ServerReflectionRequest');
  const Response = ServerReflectionRequest.lookupType('ServerReflectionResponse');
  const answer = (request) => {
    if (request.message_request === 'list_services') {
      return { list_services_response: { service: listedServices.map((name) => ({ name })) } };
    }
    const file = request.message_request === 'file_by_filename'
      ? fileByName.get(request.file_by_filename)
      : fileBySymbol.get(request.file_containing_symbol);
    if (!file) return { error_response: { error_code: grpc.status.NOT_FOUND, error_message: 'not found' } };
    const encoded = withDependencies(file).map((dependency) => descriptor.FileDescriptorProto.encode(dependency).finish());
    return { file_descriptor_response: { file_descriptor_proto: encoded } };
  };
  return {
    definition: {
      ServerReflectionInfo: {
        path: `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
        requestStream: true, responseStream: true,
        requestSerialize: (message) => Buffer.from(Request.encode(message).finish()),
        requestDeserialize: (bytes) => Request.toObject(Request.decode(bytes), { oneofs: true }),
        responseSerialize: (message) => Buffer.from(Response.encode(message).finish()),
        responseDeserialize: (bytes) => Response.decode(bytes),
      },
    },
    implementation: {
      ServerReflectionInfo(call) {
        call.on('data', (request) => call.write(answer(request)));
        call.on('end', () => call.end());
      },
    },
  };
}

/**
 * @param {{tls?: {key: Buffer, cert: Buffer}, reflectionVersions?: ('v1'|'v1alpha')[]}} options
 * @returns {Promise<{address: string, close: () => Promise<void>}>}
 */
export async function startTestServer({ tls, reflectionVersions = ['v1', 'v1alpha'] } = {}) {
  const server = new grpc.Server();
  server.addService(serviceDefinition, implementation);
  const listedServices = [SERVICE, ...reflectionVersions.map((version) => `grpc.reflection.${version}.ServerReflection`)];
  for (const version of reflectionVersions) {
    const reflection = reflectionServiceFor(PROTOSET_PATH, version, listedServices);
    server.addService(reflection.definition, reflection.implementation);
  }

  const credentials = tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (err, boundPort) => (err ? reject(err) : resolve(boundPort)));
  });
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
