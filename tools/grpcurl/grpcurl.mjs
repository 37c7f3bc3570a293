#!/usr/bin/env node
// A grpcurl-compatible command-line gRPC client. Schemas come from server reflection, or from
// .proto sources (-proto, -import-path) or descriptor sets (-protoset) when those are given.
// Same invocation, output and exit codes as grpcurl for the subset it supports:
//
//   grpcurl -plaintext HOST:PORT list [SERVICE]
//   grpcurl -plaintext HOST:PORT describe [SYMBOL]
//   grpcurl -plaintext [-d '{...}' | -d @] [-H 'name: value']... HOST:PORT pkg.Service/Method
//   grpcurl -import-path DIR -proto FILE [HOST:PORT] list|describe|pkg.Service/Method ...

import { readFileSync } from 'node:fs';
import grpc from '@grpc/grpc-js';
import { describeDescriptor, methodSignature } from './lib/describe.mjs';
import { DescriptorPool, SymbolNotFoundError } from './lib/descriptors.mjs';
import { CompositeSource, FileDescriptorSource } from './lib/file-source.mjs';
import { HelpRequested, UsageError, parseFlags } from './lib/flags.mjs';
import { InvocationError, invokeMethod } from './lib/invoke.mjs';
import { JsonSyntaxError, parseJsonStream, stringifyJson } from './lib/json-text.mjs';
import { ProtoJsonCodec } from './lib/protojson.mjs';
import { ReflectionClient } from './lib/reflection.mjs';
import { GrpcStatusError, statusCodeName, statusDetails } from './lib/status.mjs';
import { makeMessageTemplate } from './lib/template.mjs';

// Node's deprecation warnings (e.g. TLS SNI with an IP address) are noise for CLI users.
process.noDeprecation = true;

const PROGRAM = 'grpcurl';
const VERSION = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version;

// grpcurl exits with 64 + the gRPC status code when the RPC fails, so that the codes for
// Canceled (1) and Unknown (2) can't be confused with its own failures (1) and usage errors (2).
const STATUS_CODE_EXIT_OFFSET = 64;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

const UNSUPPORTED = 'not supported by this client';

const FLAG_SPECS = {
  help: { kind: 'bool', usage: 'Print usage instructions and exit.' },
  version: { kind: 'bool', usage: 'Print version.' },
  plaintext: { kind: 'bool', usage: 'Use plain-text HTTP/2 when connecting to server (no TLS).' },
  insecure: { kind: 'bool', usage: 'Skip server certificate and domain verification. (NOT SECURE!) Not valid with -plaintext option.' },
  cacert: { kind: 'string', usage: 'File containing trusted root certificates for verifying the server. Ignored if -insecure is specified.' },
  cert: { kind: 'string', usage: 'File containing client certificate (public key), to present to the server. Must also provide -key option.' },
  key: { kind: 'string', usage: 'File containing client private key, to present to the server. Must also provide -cert option.' },
  servername: { kind: 'string', usage: 'Override server name when validating TLS certificate. Prefer -authority.' },
  authority: { kind: 'string', usage: 'The authoritative name of the remote server, sent as the ":authority" pseudo-header and, with TLS, used to verify the server certificate.' },
  H: { kind: 'list', usage: "Additional headers in 'name: value' format. May be given more than once. Also sent with reflection requests." },
  'rpc-header': { kind: 'list', usage: "Additional RPC headers in 'name: value' format, used only when invoking the requested method." },
  'reflect-header': { kind: 'list', usage: "Additional reflection headers in 'name: value' format, used only for reflection requests." },
  'expand-headers': { kind: 'bool', usage: "Expand '${NAME}' in headers to the value of environment variable NAME." },
  'user-agent': { kind: 'string', usage: 'If set, prepended to the User-Agent header.' },
  d: { kind: 'string', usage: "Data for request contents, as JSON. If the value is '@' the request contents are read from stdin. For methods taking a stream of requests, give all messages concatenated." },
  format: { kind: 'string', default: 'json', usage: "The format of request data. Only 'json' is supported." },
  'allow-unknown-fields': { kind: 'bool', usage: 'Ignore unknown fields in JSON request data instead of failing.' },
  'emit-defaults': { kind: 'bool', usage: 'Emit default values for JSON-encoded responses.' },
  'keep-proto-names': { kind: 'bool', usage: 'Use the original protobuf field names instead of lowerCamelCase in JSON responses.' },
  'format-error': { kind: 'bool', usage: 'When a non-zero status is returned, print the status as JSON (google.rpc.Status).' },
  'connect-timeout': { kind: 'number', usage: `The maximum time, in seconds, to wait for the connection to be established. Defaults to ${DEFAULT_CONNECT_TIMEOUT_SECONDS} seconds.` },
  'keepalive-time': { kind: 'number', usage: 'If present, the maximum idle time in seconds, after which a keepalive probe is sent.' },
  'max-time': { kind: 'number', usage: 'The maximum total time the operation can take, in seconds.' },
  'max-msg-sz': { kind: 'number', usage: 'The maximum encoded size of a response message, in bytes. Defaults to 4,194,304 (4 megabytes).' },
  'msg-template': { kind: 'bool', usage: 'When describing messages, show a template of input data.' },
  v: { kind: 'bool', usage: 'Enable verbose output.' },
  vv: { kind: 'bool', usage: 'Enable very verbose output (same as -v here).' },
  protoset: { kind: 'list', usage: "The name of a file containing an encoded FileDescriptorSet (protoc --descriptor_set_out --include_imports). Its descriptors are used instead of server reflection: 'list' and 'describe' show what the files define. May be given more than once. Not valid with -proto." },
  proto: { kind: 'list', usage: "The name of a proto source file. It and its imports are used instead of server reflection: 'list' and 'describe' show what the files define. May be given more than once. Not valid with -protoset." },
  'import-path': { kind: 'list', usage: 'A directory in which -proto files and their imports are looked up, in the order given. May be given more than once. Without it, files are looked up from the current directory, and imports also from the directories above each -proto file.' },
  'use-reflection': { kind: 'bool', default: true, usage: 'Use server reflection to learn the schema. Defaults to true unless -proto or -protoset is given; with them, reflection is asked first and the files resolve what it cannot.' },
  // Accepted so that grpcurl command lines fail with a clear message instead of "not defined".
  'protoset-out': { kind: 'string', unsupported: true },
  'proto-out-dir': { kind: 'string', unsupported: true },
  alts: { kind: 'bool', unsupported: true },
  'alts-handshaker-service': { kind: 'string', unsupported: true },
  'alts-target-service-account': { kind: 'list', unsupported: true },
  unix: { kind: 'bool', unsupported: true },
};

/** Ends the run with a message on stderr and grpcurl's exit status. */
class CliExit extends Error {
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A runtime failure: "<what failed>: <why>", exit status 1. */
function failure(message, cause) {
  return new CliExit(cause ? `${message}: ${errorText(cause)}` : message, EXIT_FAILURE);
}

/** A command-line mistake: exit status 2 with a pointer to -help. */
function usageFailure(message) {
  return new CliExit(`${message}\nTry '${PROGRAM} -help' for more details.`, EXIT_USAGE);
}

function errorText(err) {
  if (err instanceof GrpcStatusError || (err && typeof err.code === 'number' && 'details' in err)) {
    return `rpc error: code = ${statusCodeName(err.code)} desc = ${err.details}`;
  }
  return err?.message ?? String(err);
}

function warn(message) {
  process.stderr.write(`Warning: ${message}\n`);
}

function print(text) {
  process.stdout.write(text);
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseFlags(argv, FLAG_SPECS);
  } catch (err) {
    if (err instanceof HelpRequested) {
      printUsage();
      return 0;
    }
    if (err instanceof UsageError) throw usageFailure(err.message);
    throw err;
  }
  const { flags, given } = parsed;
  if (flags.help) {
    printUsage();
    return 0;
  }
  if (flags.version) {
    process.stderr.write(`${PROGRAM} ${VERSION} (Node.js)\n`);
    return 0;
  }
  validateFlags(flags, given);
  const command = parsePositionalArguments(parsed.args, flags);
  validateSchemaSources(flags, given);

  const headers = (list) => (flags['expand-headers'] ? expandHeaders(list) : list);
  const reflectionMetadata = buildMetadata([...headers(flags.H), ...headers(flags['reflect-header'])]);
  const rpcMetadata = buildMetadata([...headers(flags.H), ...headers(flags['rpc-header'])]);

  const fileSource = loadFileSource(flags);
  // As in grpcurl, local files replace reflection unless -use-reflection is asked for explicitly.
  const useReflection = given.has('use-reflection') ? flags['use-reflection'] : !fileSource;
  if (useReflection && !command.target) throw usageFailure('No host:port specified.');
  const deadline = flags['max-time'] > 0 ? new Date(Date.now() + flags['max-time'] * 1000) : undefined;
  // list and describe from local files need no server at all.
  const client = useReflection || command.verb === 'invoke' ? createClient(command.target, flags) : null;
  try {
    if (client) await dial(client, command.target, deadline, flags['connect-timeout']);
    let source = fileSource;
    if (useReflection) {
      const reflection = new ReflectionClient(client, { metadata: reflectionMetadata, deadline });
      source = fileSource ? new CompositeSource(reflection, fileSource) : reflection;
    }
    const pool = new DescriptorPool(source);
    const codec = new ProtoJsonCodec(pool, {
      emitDefaults: flags['emit-defaults'],
      keepProtoNames: flags['keep-proto-names'],
      allowUnknownFields: flags['allow-unknown-fields'],
    });

    switch (command.verb) {
      case 'list':
        return await runList(source, pool, command.symbol);
      case 'describe':
        return await runDescribe(source, pool, codec, command.symbol, flags['msg-template']);
      default:
        return await runInvoke({
          client, pool, codec, deadline,
          methodName: command.symbol,
          metadata: rpcMetadata,
          requestText: flags.d === '@' ? await readStdin() : flags.d,
          verbose: flags.v || flags.vv,
          formatError: flags['format-error'],
        });
    }
  } finally {
    client?.close();
  }
}

function validateFlags(flags, given) {
  for (const name of given) {
    if (FLAG_SPECS[name].unsupported) throw usageFailure(`The -${name} option is ${UNSUPPORTED}.`);
  }
  for (const name of ['connect-timeout', 'keepalive-time', 'max-time', 'max-msg-sz']) {
    if (flags[name] < 0) throw usageFailure(`The -${name} argument must not be negative.`);
  }
  if (flags.insecure && flags.plaintext) throw usageFailure('The -insecure argument can only be used with TLS.');
  if (flags.cert && flags.plaintext) throw usageFailure('The -cert argument can only be used with TLS.');
  if (flags.key && flags.plaintext) throw usageFailure('The -key argument can only be used with TLS.');
  if (!flags.key !== !flags.cert) throw usageFailure('The -cert and -key arguments must be used together and both be present.');
  if (flags.servername && flags.authority && flags.servername !== flags.authority) {
    throw usageFailure('Cannot specify different values for -servername and -authority.');
  }
  if (flags.format === 'text') throw usageFailure("The -format text is not supported by this client; use -format json.");
  if (flags.format !== 'json') throw usageFailure("The -format option must be 'json' or 'text'.");
}

/** [address] [list|describe] [symbol], or address and method for an invocation. */
function parsePositionalArguments(args, flags) {
  const remaining = [...args];
  if (remaining.length === 0) throw usageFailure('Too few arguments.');
  const target = remaining[0] !== 'list' && remaining[0] !== 'describe' ? remaining.shift() : undefined;
  if (remaining.length === 0) throw usageFailure('Too few arguments.');

  let verb = 'invoke';
  if (remaining[0] === 'list' || remaining[0] === 'describe') verb = remaining.shift();
  const symbol = remaining.shift();
  if (remaining.length > 0) throw usageFailure('Too many arguments.');

  if (verb === 'invoke') {
    if (!symbol) throw usageFailure('Too few arguments.');
    if (!target) throw usageFailure('No host:port specified.');
  } else {
    if (flags.d) warn(`The -d argument is not used with 'list' or 'describe' verb.`);
    if (flags['rpc-header'].length > 0) warn(`The -rpc-header argument is not used with 'list' or 'describe' verb.`);
    if (!target && flags.protoset.length === 0 && flags.proto.length === 0) {
      throw usageFailure('No host:port specified, no protoset specified, and no proto sources specified.');
    }
  }
  return { target, verb, symbol };
}

/** grpcurl's checks on -protoset, -proto, -import-path and -use-reflection, in its order. */
function validateSchemaSources(flags, given) {
  const hasFiles = flags.protoset.length > 0 || flags.proto.length > 0;
  if (flags.protoset.length > 0 && flags['reflect-header'].length > 0) {
    warn('The -reflect-header argument is not used when -protoset files are used.');
  }
  if (flags.protoset.length > 0 && flags.proto.length > 0) {
    throw usageFailure('Use either -protoset files or -proto files, but not both.');
  }
  if (flags['import-path'].length > 0 && flags.proto.length === 0) {
    warn('The -import-path argument is not used unless -proto files are used.');
  }
  if (given.has('use-reflection') && !flags['use-reflection'] && !hasFiles) {
    throw usageFailure('No protoset files or proto files specified and -use-reflection set to false.');
  }
}

/** The schema from -protoset or -proto files, or null when neither is given. */
function loadFileSource(flags) {
  if (flags.protoset.length > 0) {
    try {
      return FileDescriptorSource.fromProtosets(flags.protoset);
    } catch (err) {
      throw failure('Failed to process proto descriptor sets.', err);
    }
  }
  if (flags.proto.length > 0) {
    try {
      return FileDescriptorSource.fromProtoFiles(flags['import-path'], flags.proto);
    } catch (err) {
      throw failure('Failed to process proto source files.', err);
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Connection

function createClient(target, flags) {
  const options = {
    'grpc.primary_user_agent': [flags['user-agent'], `${PROGRAM}/${VERSION}`].filter(Boolean).join(' '),
  };
  if (flags['max-msg-sz'] > 0) options['grpc.max_receive_message_length'] = flags['max-msg-sz'];
  if (flags['keepalive-time'] > 0) {
    options['grpc.keepalive_time_ms'] = flags['keepalive-time'] * 1000;
    options['grpc.keepalive_timeout_ms'] = flags['keepalive-time'] * 1000;
  }
  const authority = flags.authority || flags.servername;
  if (authority) options['grpc.default_authority'] = authority;
  if (authority && !flags.plaintext) options['grpc.ssl_target_name_override'] = authority;

  const credentials = flags.plaintext ? grpc.credentials.createInsecure() : createTlsCredentials(flags);
  return new grpc.Client(target, credentials, options);
}

function createTlsCredentials(flags) {
  try {
    const rootCerts = flags.cacert && !flags.insecure ? readFileSync(flags.cacert) : null;
    const privateKey = flags.key ? readFileSync(flags.key) : null;
    const certChain = flags.cert ? readFileSync(flags.cert) : null;
    const verifyOptions = flags.insecure ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {};
    return grpc.credentials.createSsl(rootCerts, privateKey, certChain, verifyOptions);
  } catch (err) {
    throw failure('Failed to create TLS config', err);
  }
}

/** Connects before doing anything else, failing fast as grpcurl's blocking dial does. */
async function dial(client, target, deadline, connectTimeoutSeconds) {
  const timeoutMs = (connectTimeoutSeconds > 0 ? connectTimeoutSeconds : DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000;
  const connectDeadline = new Date(Math.min(Date.now() + timeoutMs, deadline?.getTime() ?? Infinity));
  const channel = client.getChannel();
  for (;;) {
    const state = channel.getConnectivityState(true);
    if (state === grpc.connectivityState.READY) return;
    if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
      throw failure(`Failed to dial target host "${target}"`, await connectionFailureReason(client, connectDeadline));
    }
    await new Promise((resolve, reject) => {
      channel.watchConnectivityState(state, connectDeadline, (err) => {
        if (err) reject(failure(`Failed to dial target host "${target}"`, new Error('context deadline exceeded')));
        else resolve();
      });
    });
  }
}

/**
 * The channel API only exposes connectivity states, but a call that fails fast while the channel
 * is down carries the underlying error (e.g. "connect ECONNREFUSED"), which is what people need.
 */
async function connectionFailureReason(client, deadline) {
  const status = await new Promise((resolve) => {
    client.makeUnaryRequest('/grpc.health.v1.Health/Check', (b) => b, (b) => b, Buffer.alloc(0),
      new grpc.Metadata(), { deadline }, (err) => resolve(err));
  });
  // grpc-js phrases it "No connection established. Last error: Error: <reason>. Resolution note: ..."
  const details = status?.details ?? '';
  const reason = /Last error: (?:Error: )?([\s\S]*?)\.?\s*(?:Resolution note:[\s\S]*)?$/.exec(details)?.[1];
  return new Error((reason || details || 'connection failed').trim());
}

/** 'name: value' headers as grpcurl sends them: names lower-cased, -bin values base64-decoded. */
function buildMetadata(headers) {
  const metadata = new grpc.Metadata();
  for (const header of headers) {
    if (!header) continue;
    const colon = header.indexOf(':');
    const name = (colon < 0 ? header : header.slice(0, colon)).trim().toLowerCase();
    const value = colon < 0 ? '' : header.slice(colon + 1).trim();
    try {
      metadata.add(name, name.endsWith('-bin') ? decodeBinaryHeader(value) : value);
    } catch (err) {
      throw failure(`Invalid header ${JSON.stringify(header)}`, err);
    }
  }
  return metadata;
}

function decodeBinaryHeader(value) {
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.from(value);
}

function expandHeaders(headers) {
  return headers.map((header) => header.replace(/\$\{(\w+)\}/g, (_, name) => {
    if (process.env[name] === undefined) {
      throw failure('Failed to expand additional headers', new Error(`header ${JSON.stringify(header)} refers to undefined environment variable "${name}"`));
    }
    return process.env[name];
  }));
}

function metadataToString(metadata) {
  const entries = Object.entries(metadata?.toJSON() ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = entries.flatMap(([name, values]) =>
    values.map((value) => `${name}: ${name.endsWith('-bin') ? Buffer.from(value).toString('base64') : value}`));
  return lines.length > 0 ? lines.join('\n') : '(empty)';
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// Verbs

/** @param source  server reflection, local files or both: whatever can list the services */
async function runList(source, pool, serviceName) {
  if (!serviceName) {
    let services;
    try {
      services = (await source.listServices()).sort();
    } catch (err) {
      throw failure('Failed to list services', err);
    }
    print(services.length > 0 ? services.map((name) => `${name}\n`).join('') : '(No services)\n');
    return 0;
  }

  let service;
  try {
    service = await pool.findSymbol(serviceName);
    if (service.kind !== 'service') throw new SymbolNotFoundError(`Service not found: ${serviceName}`);
  } catch (err) {
    throw failure(`Failed to list methods for service "${serviceName}"`, err);
  }
  const methods = service.methods.map((method) => method.fullName).sort();
  print(methods.length > 0 ? methods.map((name) => `${name}\n`).join('') : '(No methods)\n');
  return 0;
}

async function runDescribe(source, pool, codec, symbol, showTemplate) {
  let symbols = [symbol];
  if (!symbol) {
    try {
      symbols = await source.listServices();
    } catch (err) {
      throw failure('Failed to list services', err);
    }
    if (symbols.length === 0) print('Server returned an empty list of exposed services\n');
  }

  for (const name of symbols.map((s) => s.replace(/^\./, ''))) {
    let descriptor;
    try {
      descriptor = await pool.findSymbol(name);
    } catch (err) {
      throw failure(`Failed to resolve symbol "${name}"`, err);
    }
    const { fullName, kindLabel, text } = describeDescriptor(descriptor);
    print(`${fullName} is ${kindLabel}:\n${text}\n`);

    if (showTemplate && descriptor.kind === 'message') {
      const template = await pool.withMissingTypesLoaded(() => makeMessageTemplate(descriptor, codec));
      print(`\nMessage template:\n${stringifyJson(template)}\n`);
    }
  }
  return 0;
}

async function runInvoke({ client, pool, codec, deadline, methodName, metadata, requestText, verbose, formatError }) {
  let requests;
  try {
    requests = parseJsonStream(requestText);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw failure(`Error invoking method "${methodName}"`, new Error(`error getting request data: ${err.message}`));
  }

  let outcome;
  try {
    outcome = await invokeMethod({
      client, pool, codec, methodName, requests, metadata, deadline,
      handler: createOutputHandler(verbose),
    });
  } catch (err) {
    if (err instanceof InvocationError || err instanceof GrpcStatusError) throw failure(`Error invoking method "${methodName}"`, err);
    throw err;
  }

  const { status, requestCount, responseCount } = outcome;
  if (verbose) {
    print(`Sent ${requestCount} request${requestCount === 1 ? '' : 's'} and received ${responseCount} response${responseCount === 1 ? '' : 's'}\n`);
  }
  if (status.code === grpc.status.OK) return 0;

  const details = await formatStatusDetails(pool, codec, statusDetails(status.metadata));
  process.stderr.write(formatError ? formatStatusAsJson(status, details) : formatStatus(status, details));
  return STATUS_CODE_EXIT_OFFSET + status.code;
}

/** Prints events the way grpcurl's default handler does; -v adds headers, trailers and labels. */
function createOutputHandler(verbose) {
  return {
    onResolveMethod(method) {
      if (verbose) print(`\nResolved method descriptor:\n${methodSignature(method)}\n`);
    },
    onSendHeaders(metadata) {
      if (verbose) print(`\nRequest metadata to send:\n${metadataToString(metadata)}\n`);
    },
    onReceiveHeaders(metadata) {
      if (verbose) print(`\nResponse headers received:\n${metadataToString(metadata)}\n`);
    },
    onReceiveResponse(json) {
      if (verbose) print('\nResponse contents:\n');
      print(`${stringifyJson(json)}\n`);
    },
    onResponseFormatError(responseNumber, err) {
      print(`Failed to format response message ${responseNumber}: ${err.message}\n`);
    },
    onReceiveTrailers(status) {
      if (verbose) print(`\nResponse trailers received:\n${metadataToString(status.metadata)}\n`);
    },
  };
}

/** Each detail as JSON, or the reason it couldn't be rendered. */
async function formatStatusDetails(pool, codec, details) {
  const formatted = [];
  for (const detail of details) {
    try {
      formatted.push({ json: await pool.withMissingTypesLoaded(() => codec.anyToJson(detail.type_url, detail.value)) });
    } catch (err) {
      formatted.push({ error: err });
    }
  }
  return formatted;
}

function formatStatus(status, details) {
  let text = `ERROR:\n  Code: ${statusCodeName(status.code)}\n  Message: ${status.details}\n`;
  if (details.length > 0) {
    text += '  Details:\n';
    details.forEach((detail, index) => {
      const prefix = `  ${index + 1})`;
      if (detail.error) {
        text += `${prefix}\tError parsing detail message: ${detail.error.message}\n`;
        return;
      }
      const continuation = `${' '.repeat(prefix.length)}\t`;
      text += `${prefix}\t${stringifyJson(detail.json).split('\n').join(`\n${continuation}`)}\n`;
    });
  }
  return text;
}

/** -format-error: the status as google.rpc.Status JSON. */
function formatStatusAsJson(status, details) {
  const json = new Map([['code', status.code]]);
  if (status.details) json.set('message', status.details);
  const renderable = details.filter((detail) => detail.json);
  if (renderable.length > 0) json.set('details', renderable.map((detail) => detail.json));
  return `${stringifyJson(json)}\n`;
}

function printUsage() {
  const flagHelp = Object.entries(FLAG_SPECS)
    .filter(([, spec]) => !spec.unsupported)
    .map(([name, spec]) => {
      const argument = { string: ' string', number: ' number', list: ' value' }[spec.kind] ?? '';
      return `  -${name}${argument}\n    \t${spec.usage}`;
    })
    .join('\n');
  process.stderr.write(`Usage:
\t${PROGRAM} [flags] [address] [list|describe] [symbol]

A grpcurl-compatible client. Schemas come from server reflection, or from
-proto source files or -protoset descriptor sets when those are given.

The 'address' is only optional when used with 'list' or 'describe' and a
protoset or proto flag is provided.

If 'list' is indicated, the symbol (if present) should be a fully-qualified
service name. If present, all methods of that service are listed. If not
present, all exposed services are listed, or all services defined in the
protosets or proto files.

If 'describe' is indicated, the descriptor for the given symbol is shown. The
symbol should be a fully-qualified service, method, message, enum or field
name. If no symbol is given then the descriptors for all exposed or known
services are shown.

If neither verb is present, the symbol must be a fully-qualified method name in
'service/method' or 'service.method' format. In this case, the request body will
be used to invoke the named method. If no body is given but one is required
(i.e. the method is unary or server-streaming), an empty instance of the
method's request type will be sent.

The address is host:port (IPv6 hosts in brackets, like "[::1]:5102") or
unix:///path/to/socket.

Available flags:
${flagHelp}
`);
}

main(process.argv.slice(2)).then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (err) => {
    if (err instanceof CliExit) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`${PROGRAM}: unexpected error: ${err?.stack ?? err}\n`);
      process.exitCode = EXIT_FAILURE;
    }
  },
);
