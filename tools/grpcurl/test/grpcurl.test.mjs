// End-to-end tests: run grpcurl.mjs as a process against test-server.mjs and check what a
// person would see (stdout, stderr, exit status). Run with `npm test`.

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { startTestServer } from './test-server.mjs';

const CLI = fileURLToPath(new URL('../grpcurl.mjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SERVICE = 'grpcurl.testing.EchoService';
// notes/note.proto imports notes/author.proto (another package) and google/protobuf/timestamp.proto.
const NOTES_PROTO = ['-import-path', join(FIXTURES, 'protos'), '-proto', 'notes/note.proto'];
const ECHO_PROTO = ['-import-path', FIXTURES, '-proto', 'echo.proto'];
const ECHO_PROTOSET = ['-protoset', join(FIXTURES, 'echo.protoset')];

/** @returns {Promise<{code: number, stdout: string, stderr: string}>} */
function grpcurl(args, { stdin } = {}) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

const parseOutput = (stdout) => JSON.parse(stdout);

describe('against a plaintext server', () => {
  let server;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('list shows services, sorted', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', server.address, 'list']);
    assert.equal(code, 0);
    assert.equal(stdout, `grpc.reflection.v1.ServerReflection\ngrpc.reflection.v1alpha.ServerReflection\n${SERVICE}\n`);
  });

  test('list SERVICE shows fully-qualified methods, sorted', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', server.address, 'list', SERVICE]);
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split('\n'), ['Count', 'Double', 'Echo', 'Fail', 'Sleep', 'Sum'].map((m) => `${SERVICE}.${m}`));
  });

  test('describe a service keeps comments and marks streams', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', server.address, 'describe', SERVICE]);
    assert.equal(code, 0);
    assert.match(stdout, /^grpcurl\.testing\.EchoService is a service:\n\/\/ Test service/);
    assert.match(stdout, /\n {2}rpc Count \( \.grpcurl\.testing\.CountRequest \) returns \( stream \.grpcurl\.testing\.CountReply \);\n/);
    assert.match(stdout, /\n {2}rpc Double \( stream \.grpcurl\.testing\.CountReply \) returns \( stream \.grpcurl\.testing\.CountReply \);\n/);
  });

  test('describe a message renders maps, optional and oneofs as written', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', server.address, 'describe', '.grpcurl.testing.Everything']);
    assert.equal(code, 0);
    assert.match(stdout, /^grpcurl\.testing\.Everything is a message:\nmessage Everything \{\n/);
    for (const line of [
      '  map<string, int64> counts = 11;',
      '  map<bool, .grpcurl.testing.Color> flags = 24;',
      '  repeated .grpcurl.testing.Everything.Nested nested_list = 14;',
      '  optional int32 maybe_small = 21;',
      '  oneof choice {\n    string by_name = 22;\n    int64 by_id = 23;\n  }',
      '  message Nested {\n    string label = 1;\n  }',
    ]) {
      assert.ok(stdout.includes(`${line}\n`), `missing:\n${line}\nin:\n${stdout}`);
    }
  });

  test('describe methods, enums, fields and map entries', async () => {
    const cases = [
      [`${SERVICE}.Sum`, 'a method', 'rpc Sum ( stream .grpcurl.testing.CountReply ) returns ( .grpcurl.testing.CountReply );'],
      ['grpcurl.testing.Color', 'an enum', 'enum Color {\n  COLOR_UNSPECIFIED = 0;\n  RED = 1;\n  GREEN = 2;\n}'],
      ['grpcurl.testing.Everything.big', 'a field', 'int64 big = 1;'],
      ['grpcurl.testing.Everything.NamesEntry', 'the entry type for a map field', 'map<int64, string> names = 12;'],
    ];
    for (const [symbol, kind, text] of cases) {
      const { code, stdout } = await grpcurl(['-plaintext', server.address, 'describe', symbol]);
      assert.equal(code, 0);
      assert.ok(stdout.startsWith(`${symbol} is ${kind}:\n`), stdout);
      assert.ok(stdout.endsWith(`\n${text}\n`), stdout);
    }
  });

  test('describe -msg-template shows an example request', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', '-msg-template', server.address, 'describe', 'grpcurl.testing.CountRequest']);
    assert.equal(code, 0);
    assert.ok(stdout.endsWith('\nMessage template:\n{\n  "count": 0\n}\n'), stdout);
  });

  test('unary call maps proto3 JSON both ways', async () => {
    const request = {
      big: '-9223372036854775808', ubig: '18446744073709551615', small: -5, ratio: 0.1, fraction: 0.1,
      flag: true, text: 'snow ☃', blob: 'AQID/w==', color: 'GREEN', numbers: [1, 2],
      counts: { b: '2', a: 1 }, names: { 10: 'ten', '-2': 'minus two' },
      nested_list: [{ label: 'a' }, {}], at: '2024-02-29T23:59:59.5+01:00', took: '-1.000000500s',
      extra: { z: null, a: [1, 'two', false] }, maybeBig: '12', mask: 'fooBar,baz.quxQuux',
      payload: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' },
      maybeSmall: 0, byId: 77, flags: { true: 'RED', false: 2 },
    };
    const { code, stdout, stderr } = await grpcurl(['-plaintext', '-d', JSON.stringify(request), server.address, `${SERVICE}/Echo`]);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.deepEqual(parseOutput(stdout), {
      big: '-9223372036854775808', ubig: '18446744073709551615', small: -5, ratio: 0.1, fraction: 0.1,
      flag: true, text: 'snow ☃', blob: 'AQID/w==', color: 'GREEN', numbers: [1, 2],
      counts: { a: '1', b: '2' }, names: { '-2': 'minus two', 10: 'ten' },
      nestedList: [{ label: 'a' }, {}], at: '2024-02-29T22:59:59.500Z', took: '-1.000000500s',
      extra: { a: [1, 'two', false], z: null }, maybeBig: '12', mask: 'fooBar,baz.quxQuux',
      payload: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' },
      maybeSmall: 0, byId: '77', flags: { false: 'GREEN', true: 'RED' },
    });
    // Map keys keep the server's sorted order, as grpcurl prints them.
    assert.ok(stdout.indexOf('"-2"') < stdout.indexOf('"10"'));
  });

  test('int64 beyond 2^53 written as a bare JSON number is not rounded', async () => {
    const { stdout } = await grpcurl(['-plaintext', '-d', '{"big": 9007199254740993}', server.address, `${SERVICE}/Echo`]);
    assert.deepEqual(parseOutput(stdout), { big: '9007199254740993' });
  });

  test('-emit-defaults prints unset fields', async () => {
    const { stdout } = await grpcurl(['-plaintext', '-emit-defaults', server.address, `${SERVICE}/Echo`]);
    const output = parseOutput(stdout);
    assert.equal(output.big, '0');
    assert.equal(output.color, 'COLOR_UNSPECIFIED');
    assert.deepEqual(output.numbers, []);
    assert.equal(output.at, null);
    assert.ok(!('maybeSmall' in output) && !('byId' in output), 'oneof members stay unset');
  });

  test('server streaming prints every response', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', '-d', '{"count": 3}', server.address, `${SERVICE}/Count`]);
    assert.equal(code, 0);
    assert.equal(stdout, '{\n  "value": "1"\n}\n{\n  "value": "2"\n}\n{\n  "value": "3"\n}\n');
  });

  test('client streaming reads concatenated messages from stdin with -d @', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', '-d', '@', server.address, `${SERVICE}/Sum`],
      { stdin: '{"value": 1}\n{"value": "2"} {"value": 40}' });
    assert.equal(code, 0);
    assert.deepEqual(parseOutput(stdout), { value: '43' });
  });

  test('bidi streaming', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', '-d', '{"value": 1}{"value": 5}', server.address, `${SERVICE}.Double`]);
    assert.equal(code, 0);
    assert.equal(stdout, '{\n  "value": "2"\n}\n{\n  "value": "10"\n}\n');
  });

  test('a failed call prints the status and details, and exits with 64 + code', async () => {
    const { code, stdout, stderr } = await grpcurl(['-plaintext', '-d', '{"code": 9, "message": "not now"}', server.address, `${SERVICE}/Fail`]);
    assert.equal(code, 64 + 9);
    assert.equal(stdout, '');
    assert.equal(stderr, [
      'ERROR:',
      '  Code: FailedPrecondition',
      '  Message: not now',
      '  Details:',
      '  1)\t{',
      '    \t  "@type": "type.googleapis.com/grpcurl.testing.CountReply",',
      '    \t  "value": "7"',
      '    \t}',
      '  2)\t{',
      '    \t  "@type": "type.googleapis.com/example.Unknown",',
      '    \t  "@error": "example.Unknown is not recognized; see @value for raw binary message data",',
      '    \t  "@value": "CAE="',
      '    \t}',
      '',
    ].join('\n'));
  });

  test('-format-error prints the status as JSON', async () => {
    const { code, stderr } = await grpcurl(['-plaintext', '-format-error', '-d', '{"code": 5, "message": "gone"}', server.address, `${SERVICE}/Fail`]);
    assert.equal(code, 64 + 5);
    const status = JSON.parse(stderr);
    assert.equal(status.code, 5);
    assert.equal(status.message, 'gone');
    assert.equal(status.details.length, 2);
  });

  test('-max-time bounds the call', async () => {
    const { code, stderr } = await grpcurl(['-plaintext', '-max-time', '0.3', '-d', '{"count": 5000}', server.address, `${SERVICE}/Sleep`]);
    assert.equal(code, 64 + 4);
    assert.match(stderr, /^ERROR:\n {2}Code: DeadlineExceeded\n/);
  });

  test('-v shows headers sent and received', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', '-v', '-H', 'X-One: 1', '-rpc-header', 'x-two: two',
      '-d', '{"text": "hi"}', server.address, `${SERVICE}/Echo`]);
    assert.equal(code, 0);
    assert.match(stdout, /\nRequest metadata to send:\nx-one: 1\nx-two: two\n/);
    assert.match(stdout, /\nResponse headers received:\n(.*\n)*x-one: 1\nx-two: two\n/);
    assert.match(stdout, /\nResponse contents:\n\{\n {2}"text": "hi"\n\}\n/);
    assert.ok(stdout.endsWith('\nResponse trailers received:\n(empty)\nSent 1 request and received 1 response\n'), stdout);
  });

  test('request data errors name the method and the problem', async () => {
    const cases = [
      ['{"nope": 1}', 'message type grpcurl.testing.Everything has no known field named nope'],
      ['{"big": "abc"}', 'invalid value for int64 field grpcurl.testing.Everything.big: "abc"'],
      ['{"small": 3000000000}', 'value out of range for field grpcurl.testing.Everything.small: 3000000000'],
      ['{"color": "BLUE"}', 'invalid value for enum grpcurl.testing.Color field grpcurl.testing.Everything.color: "BLUE"'],
      ['{"byId": 1, "byName": "x"}', 'oneof grpcurl.testing.Everything.choice is already set by field by_id'],
      ['{"at": "yesterday"}', 'invalid google.protobuf.Timestamp value "yesterday"'],
      ['{"text": "a"', 'invalid JSON at offset 12'],
      ['{} {}', 'is a unary RPC, but request data contained more than 1 message'],
    ];
    for (const [data, message] of cases) {
      const { code, stderr } = await grpcurl(['-plaintext', '-d', data, server.address, `${SERVICE}/Echo`]);
      assert.equal(code, 1, data);
      assert.ok(stderr.startsWith(`Error invoking method "${SERVICE}/Echo": `), stderr);
      assert.ok(stderr.includes(message), `expected "${message}" in: ${stderr}`);
    }
  });

  test('-allow-unknown-fields ignores unknown fields', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', '-allow-unknown-fields', '-d', '{"nope": 1, "text": "t"}', server.address, `${SERVICE}/Echo`]);
    assert.equal(code, 0);
    assert.deepEqual(parseOutput(stdout), { text: 't' });
  });

  test('unknown services, methods and symbols', async () => {
    let result = await grpcurl(['-plaintext', server.address, 'grpcurl.testing.Nope/Get']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Error invoking method "grpcurl.testing.Nope/Get": target server does not expose service "grpcurl.testing.Nope"\n');

    result = await grpcurl(['-plaintext', server.address, `${SERVICE}/Nope`]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `Error invoking method "${SERVICE}/Nope": service "${SERVICE}" does not include a method named "Nope"\n`);

    result = await grpcurl(['-plaintext', server.address, 'describe', 'grpcurl.testing.Nope']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Failed to resolve symbol "grpcurl.testing.Nope": Symbol not found: grpcurl.testing.Nope\n');
  });
});

describe('with schemas from local files (-proto, -protoset)', () => {
  let server;
  before(async () => {
    // No reflection: everything must come from the files.
    server = await startTestServer({ reflectionVersions: [] });
  });
  after(() => server.close());

  test('list needs no server: services of the files and their imports', async () => {
    let result = await grpcurl([...NOTES_PROTO, 'list']);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${SERVICE}\n`);

    result = await grpcurl([...NOTES_PROTO, 'list', SERVICE]);
    assert.equal(result.stdout, `${SERVICE}.Echo\n`);

    result = await grpcurl([...ECHO_PROTOSET, 'list']);
    assert.equal(result.stdout, `${SERVICE}\n`);
  });

  test('describe resolves imports, other packages and well-known types, and keeps comments', async () => {
    let result = await grpcurl([...NOTES_PROTO, 'describe', 'grpcurl.testing.Note']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, [
      'grpcurl.testing.Note is a message:',
      'message Note {',
      '  string text = 1;',
      '  // Declared in another file and package, found through the enclosing package.',
      '  .grpcurl.testing.people.Author author = 2;',
      '  .google.protobuf.Timestamp written_at = 3;',
      '  map<string, .grpcurl.testing.people.Author> reviewers = 4;',
      '  optional int32 stars = 5;',
      '}',
      '',
    ].join('\n'));

    result = await grpcurl([...NOTES_PROTO, 'describe', SERVICE]);
    assert.match(result.stdout, /^grpcurl\.testing\.EchoService is a service:\n\/\/ A view of the test service that only local files describe\.\n/);
    assert.match(result.stdout, /\n {2}\/\/ Returns the note unchanged\.\n {2}rpc Echo \( \.grpcurl\.testing\.Note \) returns \( \.grpcurl\.testing\.Note \);\n/);

    result = await grpcurl([...NOTES_PROTO, 'describe', 'grpcurl.testing.people.Author.Role.EDITOR']);
    assert.equal(result.stdout, 'grpcurl.testing.people.Author.Role.EDITOR is an enum value:\nEDITOR = 2;\n');
  });

  test('-proto and -protoset describe exactly what the server reflects', async () => {
    const reflecting = await startTestServer();
    try {
      for (const symbol of [SERVICE, 'grpcurl.testing.Everything']) {
        const expected = await grpcurl(['-plaintext', '-msg-template', reflecting.address, 'describe', symbol]);
        assert.equal(expected.code, 0);
        for (const source of [ECHO_PROTO, ECHO_PROTOSET]) {
          const { stdout } = await grpcurl([...source, '-msg-template', 'describe', symbol]);
          assert.equal(stdout, expected.stdout, `${source.join(' ')} describe ${symbol}`);
        }
      }
    } finally {
      await reflecting.close();
    }
  });

  test('a call is encoded and decoded with the local schema', async () => {
    const request = {
      text: 'hello', author: { name: 'Ann', role: 'EDITOR' }, written_at: '2024-02-29T23:59:59.5+01:00',
      reviewers: { bob: { name: 'Bob', role: 1 } }, stars: 0,
    };
    const { code, stdout, stderr } = await grpcurl(['-plaintext', ...NOTES_PROTO, '-d', JSON.stringify(request), server.address, `${SERVICE}/Echo`]);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.deepEqual(parseOutput(stdout), {
      text: 'hello', author: { name: 'Ann', role: 'EDITOR' }, writtenAt: '2024-02-29T22:59:59.500Z',
      reviewers: { bob: { name: 'Bob', role: 'WRITER' } }, stars: 0,
    });
  });

  test('well-known types from the bundled definitions map to JSON like protoc\'s', async () => {
    const request = {
      at: '2024-01-02T03:04:05Z', took: '1.5s', extra: { list: [1, 'two', null, { deep: true }] },
      maybeBig: '12', mask: 'fooBar,baz', payload: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' },
    };
    for (const source of [ECHO_PROTO, ECHO_PROTOSET]) {
      const { code, stdout, stderr } = await grpcurl(['-plaintext', ...source, '-d', JSON.stringify(request), server.address, `${SERVICE}/Echo`]);
      assert.equal(stderr, '', source.join(' '));
      assert.equal(code, 0);
      assert.deepEqual(parseOutput(stdout), { ...request, took: '1.500s' });
    }
  });

  test('streaming calls work from a protoset', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', ...ECHO_PROTOSET, '-d', '{"count": 2}', server.address, `${SERVICE}/Count`]);
    assert.equal(code, 0);
    assert.equal(stdout, '{\n  "value": "1"\n}\n{\n  "value": "2"\n}\n');
  });

  test('without -import-path, imports are found above the -proto file', async () => {
    const noteFile = relative(process.cwd(), join(FIXTURES, 'protos', 'notes', 'note.proto'));
    const { code, stdout, stderr } = await grpcurl(['-proto', noteFile, 'describe', 'grpcurl.testing.people.Author']);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.match(stdout, /^grpcurl\.testing\.people\.Author is a message:\n/);
  });

  test('-proto names may also be given relative to the current directory', async () => {
    const noteFile = relative(process.cwd(), join(FIXTURES, 'protos', 'notes', 'note.proto'));
    const { code, stdout } = await grpcurl(['-import-path', join(FIXTURES, 'protos'), '-proto', noteFile, 'list']);
    assert.equal(code, 0);
    assert.equal(stdout, `${SERVICE}\n`);
  });

  test('-use-reflection with files: the server lists services, the files resolve the rest', async () => {
    const reflecting = await startTestServer();
    try {
      const list = await grpcurl(['-plaintext', '-use-reflection', ...NOTES_PROTO, reflecting.address, 'list']);
      assert.equal(list.stdout, `grpc.reflection.v1.ServerReflection\ngrpc.reflection.v1alpha.ServerReflection\n${SERVICE}\n`);
      const author = await grpcurl(['-plaintext', '-use-reflection', ...NOTES_PROTO, reflecting.address, 'describe', 'grpcurl.testing.people.Author']);
      assert.equal(author.code, 0);
      assert.match(author.stdout, /^grpcurl\.testing\.people\.Author is a message:\n/);
    } finally {
      await reflecting.close();
    }
  });

  test('a broken .proto file fails with the file and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpcurl-test-'));
    try {
      writeFileSync(join(dir, 'missing-import.proto'), 'syntax = "proto3";\nimport "gone/away.proto";\n');
      writeFileSync(join(dir, 'unknown-type.proto'), 'syntax = "proto3";\npackage p;\nmessage A { B b = 1; }\n');
      writeFileSync(join(dir, 'bad-syntax.proto'), 'syntax = "proto3";\nmessage A { int32 a = 1 }\n');
      for (const [file, message] of [
        ['nope.proto', 'nope.proto: file not found in'],
        ['missing-import.proto', 'missing-import.proto: import "gone/away.proto" not found in'],
        ['unknown-type.proto', 'unknown-type.proto: field p.A.b: "B" is not defined'],
        ['bad-syntax.proto', "bad-syntax.proto: illegal token '}'"],
      ]) {
        const { code, stderr } = await grpcurl(['-import-path', dir, '-proto', file, 'list']);
        assert.equal(code, 1, file);
        assert.ok(stderr.startsWith(`Failed to process proto source files.: could not parse given files: ${message}`), stderr);
      }
      const outside = await grpcurl(['-import-path', dir, '-proto', join(FIXTURES, 'echo.proto'), 'list']);
      assert.equal(outside.code, 1);
      assert.equal(outside.stderr, `Failed to process proto source files.: ${join(FIXTURES, 'echo.proto')} does not reside in any import path\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a protoset missing its imports, or no protoset at all, fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpcurl-test-'));
    try {
      // Like protoc without --include_imports: echo.proto alone.
      const { file } = descriptor.FileDescriptorSet.decode(readFileSync(join(FIXTURES, 'echo.protoset')));
      const echoOnly = descriptor.FileDescriptorSet.encode({ file: file.filter((f) => f.name === 'echo.proto') }).finish();
      writeFileSync(join(dir, 'echo-only.protoset'), echoOnly);
      let result = await grpcurl(['-protoset', join(dir, 'echo-only.protoset'), 'list']);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, 'Failed to process proto descriptor sets.: no descriptor found for "google/protobuf/any.proto"\n');

      result = await grpcurl(['-protoset', join(dir, 'nope.protoset'), 'list']);
      assert.equal(result.code, 1);
      assert.ok(result.stderr.startsWith(`Failed to process proto descriptor sets.: could not load protoset file "${join(dir, 'nope.protoset')}": ENOENT`), result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('against a server with only v1alpha reflection', () => {
  let server;
  before(async () => {
    server = await startTestServer({ reflectionVersions: ['v1alpha'] });
  });
  after(() => server.close());

  test('falls back to grpc.reflection.v1alpha', async () => {
    const { code, stdout } = await grpcurl(['-plaintext', server.address, 'list']);
    assert.equal(code, 0);
    assert.equal(stdout, `grpc.reflection.v1alpha.ServerReflection\n${SERVICE}\n`);
    const call = await grpcurl(['-plaintext', '-d', '{"count": 1}', server.address, `${SERVICE}/Count`]);
    assert.equal(call.stdout, '{\n  "value": "1"\n}\n');
  });
});

describe('against a server without reflection', () => {
  let server;
  before(async () => {
    server = await startTestServer({ reflectionVersions: [] });
  });
  after(() => server.close());

  test('says reflection is not supported', async () => {
    const { code, stderr } = await grpcurl(['-plaintext', server.address, 'list']);
    assert.equal(code, 1);
    assert.equal(stderr, 'Failed to list services: server does not support the reflection API\n');
  });
});

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('against a TLS server', { skip: !haveOpenssl && 'openssl is not installed' }, () => {
  let server;
  let certDir;
  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'grpcurl-test-'));
    const generated = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    ]);
    assert.equal(generated.status, 0, String(generated.stderr));
    server = await startTestServer({
      tls: { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) },
    });
  });
  after(async () => {
    await server.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  test('-insecure skips certificate verification', async () => {
    const { code, stdout } = await grpcurl(['-insecure', server.address, 'list', SERVICE]);
    assert.equal(code, 0);
    assert.match(stdout, /\.Echo\n/);
  });

  test('-cacert trusts the given certificate', async () => {
    const { code } = await grpcurl(['-cacert', join(certDir, 'cert.pem'), server.address, 'list']);
    assert.equal(code, 0);
  });

  test('an untrusted certificate fails the dial', async () => {
    const { code, stderr } = await grpcurl([server.address, 'list']);
    assert.equal(code, 1);
    assert.match(stderr, /^Failed to dial target host "127\.0\.0\.1:\d+": /);
  });

  test('-plaintext against TLS fails the dial', async () => {
    const { code, stderr } = await grpcurl(['-plaintext', '-connect-timeout', '2', server.address, 'list']);
    assert.equal(code, 1);
    assert.match(stderr, /^Failed to dial target host/);
  });
});

describe('without a server', () => {
  test('a refused connection fails fast with the reason', async () => {
    const { code, stderr } = await grpcurl(['-plaintext', '127.0.0.1:1', 'list']);
    assert.equal(code, 1);
    assert.equal(stderr, 'Failed to dial target host "127.0.0.1:1": connect ECONNREFUSED 127.0.0.1:1\n');
  });

  test('usage errors exit with 2', async () => {
    for (const [args, message] of [
      [['-plaintext'], 'Too few arguments.'],
      [['-plaintext', '-bogus', 'x:1', 'list'], 'flag provided but not defined: -bogus'],
      [['-plaintext', '-insecure', 'x:1', 'list'], 'The -insecure argument can only be used with TLS.'],
      [['-plaintext', '-alts', 'x:1', 'list'], 'The -alts option is not supported'],
      [['-proto', 'a.proto', '-protoset', 'a.protoset', 'list'], 'Use either -protoset files or -proto files, but not both.'],
      [['-plaintext', '-use-reflection=false', 'x:1', 'list'], 'No protoset files or proto files specified and -use-reflection set to false.'],
      [['-plaintext', 'x:1', 'list', 'a', 'b'], 'Too many arguments.'],
      [['-plaintext', 'describe'], 'No host:port specified'],
    ]) {
      const { code, stderr } = await grpcurl(args);
      assert.equal(code, 2, args.join(' '));
      assert.ok(stderr.startsWith(message), stderr);
      assert.ok(stderr.endsWith("Try 'grpcurl -help' for more details.\n"), stderr);
    }
  });

  test('-import-path without -proto warns', async () => {
    const { stderr } = await grpcurl(['-plaintext', '-import-path', 'protos', '127.0.0.1:1', 'list']);
    assert.ok(stderr.startsWith('Warning: The -import-path argument is not used unless -proto files are used.\n'), stderr);
  });

  test('-help prints usage and exits with 0', async () => {
    const { code, stderr } = await grpcurl(['-help']);
    assert.equal(code, 0);
    assert.match(stderr, /^Usage:\n/);
  });
});
