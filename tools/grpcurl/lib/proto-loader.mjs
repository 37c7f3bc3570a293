// Finds -proto files and their imports the way grpcurl does, and parses them with protobufjs into
// one Root, noting which file declared what so proto-compiler.mjs can rebuild each file's
// descriptor. google/protobuf/*.proto imports that are not on the import path come from the
// copies bundled with protobufjs, as protoc and grpcurl have the well-known types built in.

import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

// keepCase: descriptors need field names as written. alternateCommentMode: keep `//` comments.
const PARSE_OPTIONS = { keepCase: true, alternateCommentMode: true };

// protobufjs ships these as .proto sources; the other well-known files (any, duration, empty,
// field_mask, struct, timestamp, wrappers) are in protobuf.common as JSON definitions.
const BUNDLED_PROTO_SOURCES = new Set([
  'google/protobuf/api.proto', 'google/protobuf/descriptor.proto',
  'google/protobuf/source_context.proto', 'google/protobuf/type.proto',
]);

// protoc ignores everything before the syntax (or edition) statement except comments.
const SYNTAX_STATEMENT = /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*(syntax|edition)\s*=\s*(["'])([^"']*)\2/;

/** A .proto file that can't be found, read, parsed or resolved. */
export class ProtoSourceError extends Error {}

/**
 * @typedef {object} ProtoFile
 * @property {string} name  path relative to its import path, as imports spell it
 * @property {string} package
 * @property {'proto2'|'proto3'|'editions'} syntax
 * @property {string} [edition]  e.g. '2023', for syntax 'editions'
 * @property {string[]} dependencies  imported file names
 * @property {number[]} weakDependencies  indexes into dependencies
 * @property {protobuf.ReflectionObject[]} declarations  top-level messages, enums, services and
 *   extensions, in the order the file declares them
 */

/**
 * Makes -proto names relative to an import path, like protoparse.ResolveFilenames (which grpcurl
 * uses): a name that exists under an import path stays as it is; any other (e.g. "protos/a.proto"
 * with -import-path protos) is taken relative to the current directory and made relative to the
 * import path that contains it.
 */
export function resolveFileNames(importPaths, fileNames) {
  if (importPaths.length === 0) {
    if (fileNames.some((fileName) => path.isAbsolute(fileName))) {
      throw new ProtoSourceError('must specify at least one import path if any absolute file paths are given');
    }
    return fileNames.map(toProtoPath);
  }
  const absoluteImportPaths = importPaths.map(canonicalPath);
  return fileNames.map((fileName) => {
    // Names starting with ./ or ../ always mean the current directory.
    const maybeImportRelative = !path.isAbsolute(fileName) && !/^\.\.?[\\/]/.test(fileName);
    if (maybeImportRelative && importPaths.some((dir) => existsSync(path.join(dir, fileName)))) {
      return toProtoPath(fileName);
    }
    // Neither here nor there: loading it reports which import paths were searched.
    if (maybeImportRelative && !existsSync(fileName)) return toProtoPath(fileName);
    const absolute = canonicalPath(fileName);
    const containing = absoluteImportPaths.find((dir) => absolute.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep));
    if (!containing) throw new ProtoSourceError(`${fileName} does not reside in any import path`);
    return toProtoPath(path.relative(containing, absolute));
  });
}

/**
 * Parses the given files and, transitively, everything they import.
 * @param {string[]} importPaths  directories searched in order; none means the current directory
 *   and the directories above each given file
 * @param {string[]} fileNames  as returned by resolveFileNames
 * @returns {{root: protobuf.Root, files: ProtoFile[]}} files with every import before its importers
 */
export function loadProtoFiles(importPaths, fileNames) {
  const searchPaths = importPaths.length > 0 ? importPaths : inferImportPaths(fileNames);
  const root = new protobuf.Root();
  const files = new Map(); // name -> ProtoFile, or null while the file's imports are loading

  const load = (name, importedBy) => {
    if (files.has(name)) {
      if (files.get(name) === null) throw new ProtoSourceError(`${importedBy}: import cycle through "${name}"`);
      return;
    }
    files.set(name, null);
    const file = parseFile(root, name, readSource(name, searchPaths, importedBy));
    for (const dependency of file.dependencies) load(dependency, name);
    // Re-inserting moves the file behind its imports in the map's order.
    files.delete(name);
    files.set(name, file);
  };
  for (const name of fileNames) load(name, undefined);
  return { root, files: [...files.values()] };
}

/**
 * Without -import-path, grpcurl infers import paths from the -proto names: for
 * "protos/live/v1/user.proto", an import of "live/v1/common.proto" is found under "protos".
 */
function inferImportPaths(fileNames) {
  const paths = new Set(['.']);
  for (const fileName of fileNames) {
    for (let dir = path.dirname(fileName); dir !== '.' && dir !== path.dirname(dir); dir = path.dirname(dir)) {
      paths.add(dir);
    }
  }
  return [...paths];
}

/** @returns {{text: string} | {json: object}} */
function readSource(name, searchPaths, importedBy) {
  for (const dir of searchPaths) {
    const candidate = path.join(dir, name);
    if (isFile(candidate)) {
      try {
        return { text: readFileSync(candidate, 'utf8') };
      } catch (err) {
        throw new ProtoSourceError(`${candidate}: ${err.message}`);
      }
    }
  }
  // protobuf.common is a function whose own properties are the bundled JSON definitions.
  const bundledDefinition = name.startsWith('google/protobuf/') && Object.hasOwn(protobuf.common, name) && protobuf.common[name];
  if (bundledDefinition) return { json: withProtoFieldNames(bundledDefinition) };
  if (BUNDLED_PROTO_SOURCES.has(name)) return { text: readFileSync(require.resolve(`protobufjs/${name}`), 'utf8') };

  const where = `not found in ${searchPaths.map((dir) => JSON.stringify(dir)).join(', ')}`;
  throw new ProtoSourceError(importedBy ? `${importedBy}: import "${name}" ${where}` : `${name}: file ${where}`);
}

/**
 * protobufjs's bundled struct.proto spells google.protobuf.Value's fields in camelCase
 * (nullValue); descriptors, and the JSON codec, need the names from the real file (null_value).
 * Every field name in the well-known files is lower snake_case, so converting back is exact.
 */
function withProtoFieldNames(definition) {
  const { nested, fields, oneofs, ...rest } = definition;
  const copy = { ...rest };
  const rename = (entries, convert) => Object.fromEntries(Object.entries(entries).map(convert));
  if (fields) copy.fields = rename(fields, ([fieldName, field]) => [snakeCase(fieldName), field]);
  if (oneofs) copy.oneofs = rename(oneofs, ([oneofName, oneof]) => [oneofName, { ...oneof, oneof: oneof.oneof.map(snakeCase) }]);
  if (nested) copy.nested = rename(nested, ([nestedName, child]) => [nestedName, withProtoFieldNames(child)]);
  return copy;
}

function snakeCase(name) {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** @returns {ProtoFile} */
function parseFile(root, name, source) {
  let parsed;
  try {
    if (source.json) {
      root.addJSON(source.json.nested);
      parsed = { package: 'google.protobuf' };
    } else {
      parsed = protobuf.parse(source.text, root, PARSE_OPTIONS);
    }
  } catch (err) {
    throw new ProtoSourceError(`${name}: ${err.message}`);
  }
  const imports = parsed.imports ?? [];
  const weakImports = parsed.weakImports ?? [];
  return {
    name,
    package: parsed.package ?? '',
    // The bundled JSON definitions are all proto3 files.
    ...(source.json ? { syntax: 'proto3' } : syntaxOf(source.text)),
    dependencies: [...imports, ...weakImports],
    weakDependencies: weakImports.map((_, index) => imports.length + index),
    declarations: claimNewDeclarations(root, name),
  };
}

function syntaxOf(text) {
  const [, keyword, , value] = SYNTAX_STATEMENT.exec(text) ?? [];
  if (keyword === 'edition') return { syntax: 'editions', edition: value };
  return { syntax: value === 'proto3' ? 'proto3' : 'proto2' };
}

/**
 * Files share the Root (and package namespaces), so the declarations a file added are the
 * top-level ones nobody has claimed yet. protobufjs's own `filename` marks the claim.
 */
function claimNewDeclarations(namespace, fileName, claimed = []) {
  for (const object of namespace.nestedArray) {
    if (isPackage(object)) {
      claimNewDeclarations(object, fileName, claimed);
    } else if (!object.filename) {
      object.filename = fileName;
      claimed.push(object);
    }
  }
  return claimed;
}

/** A namespace made by a `package` statement, as opposed to a message or service. */
function isPackage(object) {
  return object instanceof protobuf.Namespace && !(object instanceof protobuf.Type) && !(object instanceof protobuf.Service);
}

function isFile(filePath) {
  try {
    return statSync(filePath).isFile();
  } catch {
    return false;
  }
}

function canonicalPath(filePath) {
  try {
    return realpathSync(filePath);
  } catch {
    return path.resolve(filePath);
  }
}

/** Proto file names always use forward slashes. */
function toProtoPath(filePath) {
  return path.normalize(filePath).split(path.sep).join('/');
}
