// A pool of protobuf descriptors fetched on demand from a descriptor source: server reflection,
// or local files (-proto, -protoset) through file-source.mjs.
// We keep our own model over the raw FileDescriptorProtos instead of building protobufjs types
// from them: describe output stays faithful to the server's schema (labels, maps, proto3
// `optional`, comments), and the codec can follow the exact proto2/proto3/editions rules.

import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const descriptorRoot = protobuf.Root.fromJSON(require('protobufjs/google/protobuf/descriptor.json'));
const FileDescriptorProto = descriptorRoot.lookupType('google.protobuf.FileDescriptorProto');
const FileDescriptorSet = descriptorRoot.lookupType('google.protobuf.FileDescriptorSet');

/** google.protobuf.FieldDescriptorProto.Type */
export const FieldType = Object.freeze({
  DOUBLE: 1, FLOAT: 2, INT64: 3, UINT64: 4, INT32: 5, FIXED64: 6, FIXED32: 7, BOOL: 8, STRING: 9,
  GROUP: 10, MESSAGE: 11, BYTES: 12, UINT32: 13, ENUM: 14, SFIXED32: 15, SFIXED64: 16, SINT32: 17, SINT64: 18,
});

const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;
const FEATURE_FIELD_PRESENCE_IMPLICIT = 2;
const FEATURE_REPEATED_FIELD_ENCODING_EXPANDED = 2;

const PACKABLE_TYPES = new Set([
  FieldType.DOUBLE, FieldType.FLOAT, FieldType.INT64, FieldType.UINT64, FieldType.INT32, FieldType.FIXED64,
  FieldType.FIXED32, FieldType.BOOL, FieldType.UINT32, FieldType.ENUM, FieldType.SFIXED32, FieldType.SFIXED64,
  FieldType.SINT32, FieldType.SINT64,
]);

// Field numbers inside descriptor.proto, used to build SourceCodeInfo paths for comments.
export const SOURCE_PATH = Object.freeze({
  FILE_MESSAGE: 4, FILE_ENUM: 5, FILE_SERVICE: 6, FILE_EXTENSION: 7,
  MESSAGE_FIELD: 2, MESSAGE_NESTED: 3, MESSAGE_ENUM: 4, MESSAGE_EXTENSION: 6, MESSAGE_ONEOF: 8,
  ENUM_VALUE: 2, SERVICE_METHOD: 2,
});

/** The requested symbol (or file) does not exist on the server. */
export class SymbolNotFoundError extends Error {}

/** A type is needed (e.g. inside a google.protobuf.Any) but its descriptor isn't loaded yet. */
export class MissingTypeError extends Error {
  constructor(typeName) {
    super(`type not loaded: ${typeName}`);
    this.typeName = typeName;
  }
}

export function decodeFileDescriptorProto(bytes) {
  return FileDescriptorProto.toObject(FileDescriptorProto.decode(bytes), { arrays: true, longs: String });
}

/** Serializes a FileDescriptorProto given as a plain object in protobufjs's camelCase JSON form. */
export function encodeFileDescriptorProto(object) {
  return FileDescriptorProto.encode(FileDescriptorProto.fromObject(object)).finish();
}

/** The serialized FileDescriptorProtos inside a serialized FileDescriptorSet (a protoset file). */
export function splitFileDescriptorSet(bytes) {
  return FileDescriptorSet.decode(bytes).file.map((file) => FileDescriptorProto.encode(file).finish());
}

/** A message type from descriptor.proto, e.g. 'FieldOptions'. */
export function descriptorProtoType(name) {
  return descriptorRoot.lookupType(`google.protobuf.${name}`);
}

/** protoc's default JSON name: drop underscores and upper-case the letter after each. */
export function toJsonName(protoName) {
  return protoName.replace(/_+(.?)/g, (_, next) => next.toUpperCase());
}

export class DescriptorPool {
  #source;
  #files = new Map();
  #symbols = new Map();
  #requestedFiles = new Set();
  #unresolvableTypes = new Set();

  /**
   * @param {{fileContainingSymbol(name: string): Promise<Uint8Array[]>,
   *          fileByFilename(name: string): Promise<Uint8Array[]>}} source
   */
  constructor(source) {
    this.#source = source;
  }

  /** Synchronous lookup among the descriptors loaded so far. */
  lookup(fullName) {
    return this.#symbols.get(stripLeadingDot(fullName));
  }

  /** Returns a loaded message type, or throws MissingTypeError so the caller can fetch it. */
  lookupMessage(fullName) {
    const name = stripLeadingDot(fullName);
    const found = this.#symbols.get(name);
    if (found instanceof MessageInfo) return found;
    if (this.#unresolvableTypes.has(name)) return undefined;
    throw new MissingTypeError(name);
  }

  /** Finds any symbol (service, method, message, enum, field...), fetching its file if needed. */
  async findSymbol(fullName) {
    const name = stripLeadingDot(fullName);
    if (!this.#symbols.has(name)) {
      try {
        await this.#addFiles(await this.#source.fileContainingSymbol(name));
      } catch (err) {
        if (!(err instanceof SymbolNotFoundError)) throw err;
      }
    }
    // Servers are only required to resolve top-level symbols; find members via their parent.
    if (!this.#symbols.has(name) && name.includes('.')) {
      try {
        await this.findSymbol(name.slice(0, name.lastIndexOf('.')));
      } catch (err) {
        if (!(err instanceof SymbolNotFoundError)) throw err;
      }
    }
    const found = this.#symbols.get(name);
    if (!found) throw new SymbolNotFoundError(`Symbol not found: ${name}`);
    return found;
  }

  /**
   * Runs a synchronous conversion, fetching each type it reports missing and retrying, so the
   * JSON and wire codecs can stay synchronous while types inside Any are loaded lazily.
   */
  async withMissingTypesLoaded(convert) {
    for (;;) {
      try {
        return convert();
      } catch (err) {
        if (!(err instanceof MissingTypeError)) throw err;
        try {
          await this.findSymbol(err.typeName);
        } catch (lookupError) {
          if (!(lookupError instanceof SymbolNotFoundError)) throw lookupError;
        }
        // Remember failures so each retry makes progress instead of looping.
        if (!(this.lookup(err.typeName) instanceof MessageInfo)) this.#unresolvableTypes.add(err.typeName);
      }
    }
  }

  async #addFiles(serializedFiles) {
    let batch = serializedFiles;
    while (batch.length > 0) {
      for (const bytes of batch) {
        const proto = decodeFileDescriptorProto(bytes);
        if (!this.#files.has(proto.name)) this.#indexFile(new FileInfo(proto));
      }
      // Servers usually send dependencies along with a file; fetch any that were left out.
      const missing = new Set();
      for (const file of this.#files.values()) {
        for (const dependency of file.proto.dependency) {
          if (!this.#files.has(dependency) && !this.#requestedFiles.has(dependency)) missing.add(dependency);
        }
      }
      batch = [];
      for (const dependency of missing) {
        this.#requestedFiles.add(dependency);
        try {
          batch.push(...(await this.#source.fileByFilename(dependency)));
        } catch (err) {
          if (!(err instanceof SymbolNotFoundError)) throw err;
        }
      }
    }
  }

  #indexFile(file) {
    this.#files.set(file.name, file);
    const scope = file.package ? `${file.package}.` : '';
    const { proto } = file;
    proto.messageType.forEach((message, i) =>
      this.#indexMessage(message, file, null, scope, [SOURCE_PATH.FILE_MESSAGE, i]));
    proto.enumType.forEach((enumProto, i) =>
      this.#indexEnum(enumProto, file, null, scope, [SOURCE_PATH.FILE_ENUM, i]));
    proto.extension.forEach((field, i) =>
      this.#register(new FieldInfo(this, field, file, null, scope + field.name, [SOURCE_PATH.FILE_EXTENSION, i])));
    proto.service.forEach((serviceProto, i) => {
      const path = [SOURCE_PATH.FILE_SERVICE, i];
      const service = this.#register(new ServiceInfo(this, serviceProto, file, null, scope + serviceProto.name, path));
      service.methods = serviceProto.method.map((methodProto, j) => this.#register(new MethodInfo(
        this, methodProto, file, service, `${service.fullName}.${methodProto.name}`, [...path, SOURCE_PATH.SERVICE_METHOD, j])));
    });
  }

  #indexMessage(proto, file, parent, scope, path) {
    const message = this.#register(new MessageInfo(this, proto, file, parent, scope + proto.name, path));
    const inner = `${message.fullName}.`;
    message.oneofs = proto.oneofDecl.map((oneofProto, i) => this.#register(new OneofInfo(
      this, oneofProto, file, message, inner + oneofProto.name, [...path, SOURCE_PATH.MESSAGE_ONEOF, i])));
    message.fields = proto.field.map((fieldProto, i) => {
      const field = this.#register(new FieldInfo(
        this, fieldProto, file, message, inner + fieldProto.name, [...path, SOURCE_PATH.MESSAGE_FIELD, i]));
      if (fieldProto.oneofIndex !== undefined) {
        field.oneof = message.oneofs[fieldProto.oneofIndex];
        field.oneof.fields.push(field);
      }
      return field;
    });
    message.nestedMessages = proto.nestedType.map((nested, i) =>
      this.#indexMessage(nested, file, message, inner, [...path, SOURCE_PATH.MESSAGE_NESTED, i]));
    message.nestedEnums = proto.enumType.map((enumProto, i) =>
      this.#indexEnum(enumProto, file, message, inner, [...path, SOURCE_PATH.MESSAGE_ENUM, i]));
    message.extensions = proto.extension.map((fieldProto, i) => this.#register(new FieldInfo(
      this, fieldProto, file, message, inner + fieldProto.name, [...path, SOURCE_PATH.MESSAGE_EXTENSION, i])));
    return message;
  }

  #indexEnum(proto, file, parent, scope, path) {
    const enumInfo = this.#register(new EnumInfo(this, proto, file, parent, scope + proto.name, path));
    enumInfo.values = proto.value.map((valueProto, i) => this.#register(new EnumValueInfo(
      this, valueProto, file, enumInfo, `${enumInfo.fullName}.${valueProto.name}`, [...path, SOURCE_PATH.ENUM_VALUE, i])));
    return enumInfo;
  }

  #register(descriptor) {
    this.#symbols.set(descriptor.fullName, descriptor);
    return descriptor;
  }
}

function stripLeadingDot(name) {
  return name.startsWith('.') ? name.slice(1) : name;
}

export class FileInfo {
  constructor(proto) {
    this.proto = proto;
    this.name = proto.name;
    this.package = proto.package ?? '';
    this.syntax = proto.syntax || 'proto2';
    this.commentsByPath = new Map();
    for (const location of proto.sourceCodeInfo?.location ?? []) {
      if (location.leadingComments) this.commentsByPath.set(location.path.join('.'), location.leadingComments);
    }
  }

  leadingComment(path) {
    return this.commentsByPath.get(path.join('.'));
  }

  feature(name) {
    return this.proto.options?.features?.[name];
  }
}

class Descriptor {
  constructor(pool, proto, file, parent, fullName, sourcePath) {
    this.pool = pool;
    this.proto = proto;
    this.file = file;
    this.parent = parent;
    this.fullName = fullName;
    this.sourcePath = sourcePath;
  }

  get name() {
    return this.proto.name;
  }

  get comment() {
    return this.file.leadingComment(this.sourcePath);
  }

  get isDeprecated() {
    return this.proto.options?.deprecated === true;
  }

  /** Editions feature value, inherited from enclosing elements and finally the file. */
  feature(name) {
    return this.proto.options?.features?.[name] ?? (this.parent ?? this.file).feature(name);
  }
}

export class ServiceInfo extends Descriptor {
  kind = 'service';
  methods = [];

  findMethod(name) {
    return this.methods.find((method) => method.name === name);
  }
}

export class MethodInfo extends Descriptor {
  kind = 'method';

  get inputType() {
    return this.pool.lookupMessage(this.proto.inputType);
  }

  get outputType() {
    return this.pool.lookupMessage(this.proto.outputType);
  }

  get clientStreaming() {
    return this.proto.clientStreaming === true;
  }

  get serverStreaming() {
    return this.proto.serverStreaming === true;
  }
}

export class MessageInfo extends Descriptor {
  kind = 'message';
  fields = [];
  oneofs = [];
  nestedMessages = [];
  nestedEnums = [];
  extensions = [];
  #fieldsByJsonKey;
  #fieldsByNumber;

  get isMapEntry() {
    return this.proto.options?.mapEntry === true;
  }

  /** Looks a field up the way proto3 JSON parsing does: by JSON name or by proto name. */
  fieldByJsonKey(key) {
    if (!this.#fieldsByJsonKey) {
      this.#fieldsByJsonKey = new Map();
      for (const field of this.fields) {
        this.#fieldsByJsonKey.set(field.name, field);
        this.#fieldsByJsonKey.set(field.jsonName, field);
      }
    }
    return this.#fieldsByJsonKey.get(key);
  }

  fieldByNumber(number) {
    this.#fieldsByNumber ??= new Map(this.fields.map((field) => [field.number, field]));
    return this.#fieldsByNumber.get(number);
  }

  fieldByName(name) {
    return this.fields.find((field) => field.name === name);
  }
}

export class FieldInfo extends Descriptor {
  kind = 'field';
  /** @type {OneofInfo|null} */
  oneof = null;

  get number() {
    return this.proto.number;
  }

  get type() {
    return this.proto.type;
  }

  get typeName() {
    return stripLeadingDot(this.proto.typeName ?? '');
  }

  get jsonName() {
    return this.proto.jsonName || toJsonName(this.name);
  }

  get isExtension() {
    return Boolean(this.proto.extendee);
  }

  get isRepeated() {
    return this.proto.label === LABEL_REPEATED;
  }

  get isRequired() {
    return this.proto.label === LABEL_REQUIRED;
  }

  get isProto3Optional() {
    return this.proto.proto3Optional === true;
  }

  /** Oneof membership as a user sees it: proto3 `optional` fields sit in a synthetic oneof. */
  get realOneof() {
    return this.oneof && !this.oneof.isSynthetic ? this.oneof : null;
  }

  get isMessage() {
    return this.type === FieldType.MESSAGE || this.type === FieldType.GROUP;
  }

  get isMap() {
    // Map entry types are nested in the same file, so a plain lookup never needs a fetch.
    return this.isRepeated && this.type === FieldType.MESSAGE && this.pool.lookup(this.typeName)?.isMapEntry === true;
  }

  get messageType() {
    return this.isMessage ? this.pool.lookupMessage(this.typeName) : undefined;
  }

  get enumType() {
    return this.type === FieldType.ENUM ? this.pool.lookup(this.typeName) : undefined;
  }

  get mapKeyField() {
    return this.messageType.fieldByNumber(1);
  }

  get mapValueField() {
    return this.messageType.fieldByNumber(2);
  }

  /** Whether "not set" is distinguishable from the default value. */
  get hasPresence() {
    if (this.isRepeated) return false;
    if (this.isMessage || this.oneof) return true;
    if (this.file.syntax === 'proto3') return false;
    if (this.file.syntax === 'editions') return this.feature('fieldPresence') !== FEATURE_FIELD_PRESENCE_IMPLICIT;
    return true;
  }

  /** Whether repeated scalars are written packed (readers accept both encodings). */
  get isPacked() {
    if (!this.isRepeated || !PACKABLE_TYPES.has(this.type)) return false;
    if (this.proto.options?.packed !== undefined) return this.proto.options.packed;
    if (this.file.syntax === 'proto3') return true;
    if (this.file.syntax === 'editions') return this.feature('repeatedFieldEncoding') !== FEATURE_REPEATED_FIELD_ENCODING_EXPANDED;
    return false;
  }

  get isPackable() {
    return PACKABLE_TYPES.has(this.type);
  }
}

export class OneofInfo extends Descriptor {
  kind = 'oneof';
  fields = [];

  /** The compiler-generated oneof wrapping a proto3 `optional` field. */
  get isSynthetic() {
    return this.fields.length === 1 && this.fields[0].isProto3Optional;
  }
}

export class EnumInfo extends Descriptor {
  kind = 'enum';
  values = [];

  valueByName(name) {
    return this.values.find((value) => value.name === name);
  }

  valueByNumber(number) {
    return this.values.find((value) => value.number === number);
  }
}

export class EnumValueInfo extends Descriptor {
  kind = 'enumValue';

  get number() {
    return this.proto.number;
  }
}
