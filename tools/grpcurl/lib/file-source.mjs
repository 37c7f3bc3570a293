// Descriptor sources for -protoset and -proto. Local files answer the same three questions server
// reflection does (which services, which file has a symbol, which file has a name), so the
// DescriptorPool and every verb work the same whichever source the schema comes from.

import { readFileSync } from 'node:fs';
import { SymbolNotFoundError, decodeFileDescriptorProto, splitFileDescriptorSet } from './descriptors.mjs';
import { compileProtoFiles } from './proto-compiler.mjs';
import { ProtoSourceError, loadProtoFiles, resolveFileNames } from './proto-loader.mjs';

export class FileDescriptorSource {
  /** @type {Map<string, {bytes: Uint8Array, proto: object}>} */
  #files = new Map();
  #fileNameBySymbol = new Map();
  #serviceNames = [];

  /**
   * Reads binary FileDescriptorSets (protoc --descriptor_set_out --include_imports).
   * @param {string[]} paths
   */
  static fromProtosets(paths) {
    const files = [];
    for (const path of paths) {
      let bytes;
      try {
        bytes = readFileSync(path);
      } catch (err) {
        throw new Error(`could not load protoset file ${JSON.stringify(path)}: ${err.message}`);
      }
      try {
        files.push(...splitFileDescriptorSet(bytes));
      } catch (err) {
        throw new Error(`could not parse contents of protoset file ${JSON.stringify(path)}: ${err.message}`);
      }
    }
    return new FileDescriptorSource(files);
  }

  /**
   * Parses .proto sources and their imports.
   * @param {string[]} importPaths
   * @param {string[]} fileNames
   */
  static fromProtoFiles(importPaths, fileNames) {
    const names = resolveFileNames(importPaths, fileNames);
    try {
      return new FileDescriptorSource(compileProtoFiles(loadProtoFiles(importPaths, names)));
    } catch (err) {
      if (!(err instanceof ProtoSourceError)) throw err;
      throw new ProtoSourceError(`could not parse given files: ${err.message}`);
    }
  }

  /** @param {Uint8Array[]} serializedFiles  FileDescriptorProtos, every dependency among them */
  constructor(serializedFiles) {
    for (const bytes of serializedFiles) {
      const proto = decodeFileDescriptorProto(bytes);
      this.#files.set(proto.name, { bytes, proto });
    }
    for (const { proto } of this.#files.values()) {
      for (const dependency of proto.dependency) {
        // grpcurl fails the same way when a protoset was built without --include_imports.
        if (!this.#files.has(dependency)) throw new Error(`no descriptor found for ${JSON.stringify(dependency)}`);
      }
      this.#indexTopLevelSymbols(proto);
    }
  }

  /** Every service in every file, imports included (as grpcurl lists them), sorted. */
  async listServices() {
    return [...this.#serviceNames].sort();
  }

  /** The file defining a top-level symbol, with its dependencies, like a reflection answer. */
  async fileContainingSymbol(symbol) {
    const fileName = this.#fileNameBySymbol.get(symbol);
    if (!fileName) throw new SymbolNotFoundError(`Symbol not found: ${symbol}`);
    return this.#withDependencies(fileName);
  }

  async fileByFilename(fileName) {
    if (!this.#files.has(fileName)) throw new SymbolNotFoundError(`File not found: ${fileName}`);
    return this.#withDependencies(fileName);
  }

  #withDependencies(fileName, included = new Set()) {
    if (included.has(fileName)) return [];
    included.add(fileName);
    const { bytes, proto } = this.#files.get(fileName);
    return [bytes, ...proto.dependency.flatMap((dependency) => this.#withDependencies(dependency, included))];
  }

  // Only top-level symbols: the pool finds nested ones and members through their parents, as
  // it must with reflection servers that do the same.
  #indexTopLevelSymbols(proto) {
    const scope = proto.package ? `${proto.package}.` : '';
    for (const declaration of [...proto.messageType, ...proto.enumType, ...proto.service, ...proto.extension]) {
      this.#fileNameBySymbol.set(scope + declaration.name, proto.name);
    }
    this.#serviceNames.push(...proto.service.map((service) => scope + service.name));
  }
}

/**
 * -use-reflection together with -proto or -protoset, as grpcurl does it: the server says which
 * services there are, and the local files resolve whatever reflection can't.
 */
export class CompositeSource {
  #reflection;
  #files;

  constructor(reflection, files) {
    this.#reflection = reflection;
    this.#files = files;
  }

  listServices() {
    return this.#reflection.listServices();
  }

  async fileContainingSymbol(symbol) {
    try {
      return await this.#reflection.fileContainingSymbol(symbol);
    } catch {
      return this.#files.fileContainingSymbol(symbol);
    }
  }

  async fileByFilename(fileName) {
    try {
      return await this.#reflection.fileByFilename(fileName);
    } catch {
      return this.#files.fileByFilename(fileName);
    }
  }
}
